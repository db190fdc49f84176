import { isNixtagError } from '../errors.js';
import type { CheckResult } from '../types.js';

/** The contract's exit codes, and the shell's for a run ended by a signal. */
export const EXIT = { ok: 0, stale: 1, input: 2, tool: 3 } as const;

/**
 * The one place that decides exit statuses. A result: 0 when every managed reference is up to
 * date (after fix: is now), 1 otherwise.
 */
export function exitCodeForResult(result: Pick<CheckResult, 'ok'>): number {
  return result.ok ? EXIT.ok : EXIT.stale;
}

/** An error: bad input 2, a failing tool 3 (an unexpected error is nixtag's own failure: 3). */
export function exitCodeFor(error: unknown): number {
  if (isNixtagError(error)) return error.kind === 'input' ? EXIT.input : EXIT.tool;
  if ((error as { name?: string } | undefined)?.name === 'CACError') return EXIT.input;
  return EXIT.tool;
}

export type ExitSignal = 'SIGHUP' | 'SIGINT' | 'SIGTERM';

/** A run ended by a signal exits as a shell reports it: 128 + the signal number. */
export function exitCodeForSignal(signal: ExitSignal): number {
  return { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 }[signal];
}
