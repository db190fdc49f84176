import { close, constants, fstat, open, read, type Stats } from 'node:fs';

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
 * nor waited on. The syscalls are readFile's (open, fstat, read, close), chained with callbacks as
 * readFile does (a FileHandle's promises cost a sixth more over thousands of files): opened
 * non-blocking, so a FIFO does not wait for a writer, and told apart by the descriptor's own stat,
 * so that what is read is what was looked at. A file that grows while read is read to the size it had.
 */
export function readRegularFile(file: string, limit = MAX_MANIFEST_BYTES): Promise<FileBytes> {
  return new Promise((resolve, reject) => {
    open(file, constants.O_RDONLY | constants.O_NONBLOCK, (error, descriptor) => {
      if (error !== null) {
        if (error.code === 'ENXIO') resolve({ notRegular: 'a socket' });
        else reject(error);
        return;
      }
      const done = (outcome: FileBytes | Error) =>
        close(descriptor, () => (outcome instanceof Error ? reject(outcome) : resolve(outcome)));
      fstat(descriptor, (statError, stats) => {
        if (statError !== null) return done(statError);
        if (!stats.isFile()) return done({ notRegular: kindOf(stats) });
        if (stats.size > limit) return done({ tooLarge: stats.size });
        const buffer = Buffer.allocUnsafeSlow(stats.size);
        const readFrom = (offset: number): void => {
          if (offset === buffer.length) return done({ bytes: buffer });
          read(descriptor, buffer, offset, buffer.length - offset, offset, (readError, bytesRead) => {
            if (readError !== null) return done(readError);
            // Shrunk while read: what there is.
            if (bytesRead === 0) return done({ bytes: buffer.subarray(0, offset) });
            readFrom(offset + bytesRead);
          });
        };
        readFrom(0);
      });
    });
  });
}
