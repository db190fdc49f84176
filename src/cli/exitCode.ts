import { isNixtagError } from '../errors.js';
import type { CheckResult } from '../types.js';

/** The contract's exit codes, and the shell's for a run ended by a signal. */
export const EXIT = { ok: 0, stale: 1, input: 2, tool: 3 } as const;

/**
 * The one place that decides exit statuses. A result: 0 when every managed reference is up to
 * date (after fix: is now), 1 otherwise. With `check --registry`, a tag missing from its registry
 * or with another digest is 1 as well; a registry that did not answer (or refused) is 3, unless a
 * reference already fails for certain, or an image's tag depends on the clone's `.git` (1: the
 * pipeline's check would fail whatever it answers).
 * A fix that left references it cannot rewrite (`refused`) is 2, whatever it wrote.
 */
export function exitCodeForResult(
  result: Pick<CheckResult, 'ok'> & Partial<Pick<CheckResult, 'references' | 'refused' | 'failures'>>,
): number {
  // A fix that wrote what it could and left references it cannot write (a submodule's): bad input.
  if ((result.refused ?? []).length > 0) return EXIT.input;
  if (result.ok) return EXIT.ok;
  const references = result.references ?? [];
  // An image no clone CI makes can give the tag of fails whatever a registry answers.
  const certain =
    (result.failures ?? []).length > 0 ||
    references.some(
      (reference) =>
        reference.status === 'stale' ||
        reference.registry?.status === 'missing' ||
        reference.registry?.status === 'mismatch',
    );
  const unanswered = references.some((reference) => reference.registry?.status === 'unreachable');
  return unanswered && !certain ? EXIT.tool : EXIT.stale;
}

/** An error: a failing verdict 1, bad input 2, a failing tool 3 (an unexpected error is nixtag's own failure: 3). */
export function exitCodeFor(error: unknown): number {
  if (isNixtagError(error)) return { verdict: EXIT.stale, input: EXIT.input, tool: EXIT.tool }[error.kind];
  if ((error as { name?: string } | undefined)?.name === 'CACError') return EXIT.input;
  return EXIT.tool;
}

export type ExitSignal = 'SIGHUP' | 'SIGINT' | 'SIGTERM';

/** A run ended by a signal exits as a shell reports it: 128 + the signal number. */
export function exitCodeForSignal(signal: ExitSignal): number {
  return { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 }[signal];
}

/** A run handed to another Node (bin.ts on an old Node): its status, or the shell's for its signal. */
export function exitCodeForChild(status: number | null, signal: NodeJS.Signals | null): number {
  if (status !== null) return status;
  return signal === 'SIGINT' || signal === 'SIGTERM' ? exitCodeForSignal(signal) : EXIT.tool;
}
