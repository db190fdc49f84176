import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';

/** The ref git could not resolve for Nix (2.8: `git rev-parse`'s words; 2.26: libgit2's). */
const MISSING_REF = /ambiguous argument '([^']+)': unknown revision|resolving Git reference '([^']+)'/;

/**
 * Nix failing on a ref that the repository lacks as well as the checkout (a fetch of the
 * repository by a tag or branch it does not have): the expression's doing, not a tool's failure.
 */
export function refMissing(error: unknown): NixtagError | undefined {
  if (!(error instanceof NixtagError) || error.code !== 'NIX_EVAL_FAILED') return undefined;
  const found = MISSING_REF.exec(`${error.detail ?? ''}\n${error.message}`);
  const ref = found?.[1] ?? found?.[2];
  if (ref === undefined) return undefined;
  return new NixtagError('GIT_REF_MISSING', messages.refMissing(error.message, ref), {
    ...(error.location === undefined ? {} : { location: error.location }),
    ...(error.detail === undefined ? {} : { detail: error.detail }),
    hint: messages.refMissingHint(ref),
    cause: error,
  });
}
