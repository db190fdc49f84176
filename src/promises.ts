/*
 * Two reasons to let a rejection pass where it happens, named so that a bare
 * `.catch(() => undefined)` never has to be read for its intent (a file that may be absent:
 * readOptional.ts).
 */

/**
 * Work started ahead of the place that awaits it, to run beside other work: a rejection is that
 * place's to handle (or the work turned out not to be needed), not an unhandled rejection
 * meanwhile. Returns the promise itself.
 */
export function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * A fast path's answer, or `otherwise` when it failed in any way: the caller then takes the slow
 * path, which is right whatever went wrong and reports its own errors.
 */
export function orSlowPath<T, Otherwise>(fast: Promise<T>, otherwise: Otherwise): Promise<T | Otherwise> {
  return fast.catch(() => otherwise);
}
