import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/**
 * Replaces a file's content atomically: the new bytes go to a temporary file beside it (same
 * directory, so the same file system), are flushed, and the temporary file is renamed over the
 * original. The steps are synchronous on purpose: where the process handles SIGINT and SIGTERM in
 * its event loop (the CLI does, see cli/signals.ts), an interrupt takes effect only once a file
 * is fully replaced, with no temporary file left behind; a crash leaves the original intact. The
 * mode is kept (`createMode` for a file that is not there yet). `target` must be the resolved
 * file, not a symlink to it.
 */
export function writeFileAtomically(target: string, content: string, options: { createMode?: number } = {}): void {
  const mode = options.createMode !== undefined && !existsSync(target) ? options.createMode : statSync(target).mode;
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.nixtag-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    const descriptor = openSync(temporary, 'wx', mode & 0o7777);
    try {
      writeSync(descriptor, content, null, 'utf8');
      fchmodSync(descriptor, mode & 0o7777);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
