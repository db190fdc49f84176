import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Temporary files being written now, removed if the process is interrupted. */
const pending = new Set<string>();

function onInterrupt(signal: NodeJS.Signals): void {
  for (const file of pending) rmSync(file, { force: true });
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

function trackInterrupts(): void {
  if (process.listenerCount('SIGINT') === 0) process.once('SIGINT', onInterrupt);
  if (process.listenerCount('SIGTERM') === 0) process.once('SIGTERM', onInterrupt);
}

/**
 * Replaces a file's content atomically: the new bytes go to a temporary file beside it (same
 * directory, so the same file system), are flushed, and the temporary file is renamed over the
 * original. A crash or SIGINT leaves either the old file or the new one, never a mix, and an
 * interrupted run removes its temporary file. The mode is kept. `target` must be the resolved
 * file, not a symlink to it.
 */
export async function writeFileAtomically(target: string, content: string): Promise<void> {
  trackInterrupts();
  const { mode } = await stat(target);
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.nixtag-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  pending.add(temporary);
  try {
    const handle = await open(temporary, 'wx', mode & 0o7777);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.chmod(mode & 0o7777);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    pending.delete(temporary);
  }
}
