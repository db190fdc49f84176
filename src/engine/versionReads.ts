import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import type { Moving } from '../nix/source/moving.js';
import { compareVersions, localNixVersion, versionIsCis } from '../nix/version.js';

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

/**
 * The local Nix and the one configured as CI's (`nixVersion`) when they differ, as far as the
 * configured one is written (`2.26` is 2.26.3's); undefined when they agree or none is configured.
 */
export async function versionMismatch(
  root: string,
  configured: string | null | undefined,
): Promise<{ local: string; ci: string } | undefined> {
  if (configured === null || configured === undefined) return undefined;
  const local = await localNixVersion(root);
  return local === '' || compareVersions(local, configured) === 0 ? undefined : { local, ci: configured };
}

/**
 * Under a Nix other than CI's (`mismatch`): each image whose own code holds a float (`floats`:
 * toJSON prints it differently on 2.8 and 2.26) left unjudged, and every other judged one warned
 * that its tag is the local Nix's: tags agree on tested versions but for such differences.
 */
export function markVersionMismatch(
  evaluations: readonly ImageEvaluation[],
  floats: ReadonlyArray<Moving | undefined>,
  names: readonly string[],
  mismatch: { local: string; ci: string } | undefined,
): ImageEvaluation[] {
  if (mismatch === undefined) return [...evaluations];
  return evaluations.map((evaluation, index) => {
    if (evaluation.moving !== undefined || evaluation.commitDependent === true) return evaluation;
    const float = floats[index];
    if (float !== undefined) return markMoving([evaluation], [float], [names[index]!])[0]!;
    const warning = messages.nixVersionDiffers(names[index]!, mismatch.local, mismatch.ci);
    return { ...evaluation, warnings: [...evaluation.warnings, warning] };
  });
}

/**
 * An evaluation that failed on a Nix other than the configured CI's (`nixVersion`): said so, not
 * blamed on the expression (adv15 F14: nixpkgs' `lib.fileset` needs `readFileType`, Nix 2.14+, and
 * fails on 2.8 where CI's 2.26 evaluates it). Other errors, or the same Nix, as they are.
 */
export async function explainNixVersion(
  root: string,
  configured: string | null | undefined,
  error: unknown,
): Promise<unknown> {
  if (!(error instanceof NixtagError) || error.code !== 'NIX_EVAL_FAILED') return error;
  const mismatch = await versionMismatch(root, configured);
  if (mismatch === undefined) return error;
  return new NixtagError(
    'NIX_VERSION_MISMATCH',
    messages.nixVersionEvalFailed(error.message, mismatch.local, mismatch.ci),
    {
      location: error.location,
      detail: error.detail,
      hint: messages.nixVersionEvalFailedHint(mismatch.ci),
      cause: error,
    },
  );
}
