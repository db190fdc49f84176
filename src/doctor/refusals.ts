import { NixtagError } from '../errors.js';
import { expectedTags } from '../engine/evaluation.js';
import type { ResolvedImage } from '../engine/images.js';
import type { Session } from '../engine/session.js';
import { submodulesUnclonable, type UnclonableSubmodule } from '../tree/submodules.js';
import type { Place } from './rules.js';
import { placesOfMissing } from './submodules.js';

/**
 * Where `check` refuses the tree because CI's clone stops on a gitlink (SUBMODULE_UNCLONABLE):
 * each where it is declared (its `.gitmodules` entry, else the gitlink), with check's words.
 */
export async function placesOfUnclonable(
  checkout: string,
  unclonable: readonly UnclonableSubmodule[],
): Promise<Place[]> {
  const places = await placesOfMissing(checkout, unclonable);
  return places.map((place, index) => {
    const error = submodulesUnclonable([unclonable[index]!]);
    return { ...place, refusal: { message: error.message, hint: error.hint ?? '' } };
  });
}

/**
 * Where `check` refuses `image` because confinement answers a `pathExists` otherwise than CI's
 * Nix (NIX_CONFINED_ANSWER): the image evaluated as check evaluates it (`session`'s checkout),
 * and the refusal, if any, with its place and words. Another failure is the base evaluation's to
 * report.
 */
export async function confinedAnswerPlace(session: Session, image: ResolvedImage): Promise<Place | undefined> {
  try {
    await expectedTags(session, [image]);
    return undefined;
  } catch (error) {
    if (!(error instanceof NixtagError) || error.code !== 'NIX_CONFINED_ANSWER') return undefined;
    const refusal = { message: error.message, hint: error.hint ?? '' };
    const { location } = error;
    if (location?.line === undefined)
      return { file: location?.file ?? image.config.nix, line: null, column: null, refusal };
    return { file: location.file, line: location.line, column: location.column ?? 1, refusal };
  }
}
