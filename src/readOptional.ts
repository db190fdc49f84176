import { readFile } from 'node:fs/promises';

/**
 * A text file that may not be there: its content, or undefined when it cannot be read (absent, a
 * directory, not readable), and the caller goes on as if it were not there.
 */
export function readOptional(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

/** A file that may not be there, as its bytes (a manifest in any encoding). */
export function readOptionalBytes(file: string): Promise<Buffer | undefined> {
  return readFile(file).catch(() => undefined);
}
