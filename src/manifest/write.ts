import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces a file's content atomically: the new bytes go to a temporary file beside it (same
 * directory, so the same file system), are flushed, and the temporary file is renamed over the
 * original. A crash or SIGINT leaves either the old file or the new one, never a mix. The mode is
 * kept. `target` must already be the resolved file, not a symlink to it.
 */
export async function writeFileAtomically(target: string, content: string): Promise<void> {
  const { mode } = await stat(target);
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.nixtag-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  const handle = await open(temporary, 'wx', mode & 0o7777);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.chmod(mode & 0o7777);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
