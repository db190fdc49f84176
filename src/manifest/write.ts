import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

function onInterrupt(signal: NodeJS.Signals): void {
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

/**
 * With a handler installed, SIGINT and SIGTERM are handled by the event loop, that is between two
 * synchronous file writes and never during one.
 */
function deferInterrupts(): void {
  if (process.listenerCount('SIGINT') === 0) process.once('SIGINT', onInterrupt);
  if (process.listenerCount('SIGTERM') === 0) process.once('SIGTERM', onInterrupt);
}

/**
 * Replaces a file's content atomically: the new bytes go to a temporary file beside it (same
 * directory, so the same file system), are flushed, and the temporary file is renamed over the
 * original. The steps are synchronous on purpose: an interrupt is handled only once a file is
 * fully replaced, so Ctrl-C leaves each file as it was or fully rewritten, with no temporary file
 * left behind; a crash leaves the original intact. The mode is kept. `target` must be the resolved
 * file, not a symlink to it.
 */
export function writeFileAtomically(target: string, content: string): void {
  deferInterrupts();
  const { mode } = statSync(target);
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
