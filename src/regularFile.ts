import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * The most a manifest may hold: far above any real one (the API server takes objects of at most
 * a few MiB), far below what would exhaust memory as a string.
 */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** What a file's read found: its bytes, or why there are none. */
export type FileBytes =
  | { bytes: Buffer }
  /** A device, FIFO, socket or directory (a symlink's target): never read, it may never end. */
  | { notRegular: string }
  | { tooLarge: number };

function kindOf(stats: Stats): string {
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a directory';
  return 'not a file';
}

/**
 * Reads a regular file, through its symlinks, up to `limit` bytes; anything else is neither read
 * nor waited on. The syscalls are readFile's (open, fstat, read, close): opened non-blocking, so a
 * FIFO does not wait for a writer, and told apart by the descriptor's own stat, so that what is
 * read is what was looked at. A file that grows while read is read to the size it had.
 */
export async function readRegularFile(file: string, limit = MAX_MANIFEST_BYTES): Promise<FileBytes> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') return { notRegular: 'a socket' };
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { notRegular: kindOf(stats) };
    if (stats.size > limit) return { tooLarge: stats.size };
    const buffer = Buffer.allocUnsafeSlow(stats.size);
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, offset);
      if (bytesRead === 0) break; // shrunk while read
      offset += bytesRead;
    }
    return { bytes: offset === buffer.length ? buffer : buffer.subarray(0, offset) };
  } finally {
    await handle.close();
  }
}
