import { messages } from '../messages.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import type { Moving } from '../nix/source/moving.js';
import { localNixVersion, versionIsCis } from '../nix/version.js';

/**
 * Whether an image's read of the evaluating Nix's version (`builtins.nixVersion`, `langVersion`)
 * moves its tag here: always, unless the local Nix is the one configured as CI's (`nixVersion`).
 * Asks Nix its version only when some image reads it.
 */
export async function versionMoves(
  root: string,
  reads: ReadonlyArray<Moving | undefined>,
  configured: string | null | undefined,
): Promise<boolean> {
  return reads.some((read) => read !== undefined) && !versionIsCis(await localNixVersion(root), configured);
}

/**
 * The evaluations with each image whose tag `movers` says moves left unjudged (`moving`, and the
 * warning that says why).
 */
export function markMoving(
  evaluations: readonly ImageEvaluation[],
  movers: ReadonlyArray<Moving | undefined>,
  names: readonly string[],
): ImageEvaluation[] {
  return evaluations.map((evaluation, index) => {
    const mover = movers[index];
    if (mover === undefined) return evaluation;
    const warning = messages.movingTag(names[index]!, mover);
    return { ...evaluation, moving: mover, warnings: [...evaluation.warnings, warning] };
  });
}
