import { isNixtagError } from '../errors.js';

/** The contract's exit codes. */
export const EXIT = { ok: 0, stale: 1, input: 2, tool: 3 } as const;

/** The one place that turns an error into an exit status: bad input 2, a failing tool 3. */
export function exitCodeFor(error: unknown): number {
  if (isNixtagError(error)) return error.kind === 'input' ? EXIT.input : EXIT.tool;
  if ((error as { name?: string } | undefined)?.name === 'CACError') return EXIT.input;
  return EXIT.tool;
}
