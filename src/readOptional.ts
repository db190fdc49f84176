import { readFile } from 'node:fs/promises';
import { readRegularFile } from './regularFile.js';

/**
 * A text file that may not be there: its content, or undefined when it cannot be read (absent, a
 * directory, not readable), and the caller goes on as if it were not there.
 */
export function readOptional(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

/**
 * A file that may not be there, as its bytes (a manifest in any encoding); undefined too for what
 * is not a regular file (a symlink to a device, a FIFO) or too large to be a manifest.
 */
export async function readOptionalBytes(file: string): Promise<Buffer | undefined> {
  const read = await readRegularFile(file).catch(() => undefined);
  return read !== undefined && 'bytes' in read ? read.bytes : undefined;
}
