import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import { materializeTree } from '../tree/checkout.js';
import { freshenIndex } from '../tree/checkoutRepository.js';
import { treeRecords } from '../tree/records.js';
import type { ResolvedImage } from './images.js';
import { checkoutOptions, type Session } from './session.js';

/** Evaluates `images` in the checkout at `root`, as the first evaluation did in its own. */
type EvaluateAt = (root: string, images: readonly ResolvedImage[]) => Promise<ImageEvaluation[]>;

/**
 * Whether each tag depends on where the checkout lies. An image whose closure can observe the
 * location (`toString ./app`, a hash of it, `dirOf ./.`, `__curPos`, a source filter that reads
 * its path beyond `baseNameOf`: nix/source/locating.ts; `locating` says where, per image) is
 * evaluated again in a second checkout of the same tree at another place (tree/checkoutsRoot.ts,
 * `elsewhereRoot`: another word in every step and another length, outside temporary directories
 * where it can). A tag that moves, or an evaluation that fails there, depends on the location:
 * CI's clone lies at a third place (Tekton: /workspace/source), so its references are left
 * unjudged, like a tag whose derivation holds the path (checkoutPaths.ts). Images with no such
 * construct cost nothing; the others pay one more evaluation on a cache miss only, as the verdict
 * is cached with the tag.
 */
export async function settleLocation(
  session: Session,
  images: readonly ResolvedImage[],
  evaluations: ImageEvaluation[],
  locating: ReadonlyArray<string | undefined>,
  readGit: boolean,
  evaluateAt: EvaluateAt,
): Promise<ImageEvaluation[]> {
  const probed = evaluations.flatMap((evaluation, index) =>
    // A tag already left unjudged, or refused as moving by itself (the time), keeps that verdict.
    locating[index] !== undefined && evaluation.commitDependent !== true && evaluation.moving === undefined
      ? [index]
      : [],
  );
  if (probed.length === 0) return evaluations;
  const { repository, tree } = session;
  if (treeRecords(repository.gitDir).elsewhere(tree.source.kind) === undefined) return evaluations;
  const { dir } = await materializeTree(repository, tree, { ...checkoutOptions(session.config), elsewhere: true });
  if (readGit) await freshenIndex(dir);
  let moved: ImageEvaluation[] | undefined;
  try {
    moved = await evaluateAt(
      dir,
      probed.map((index) => images[index]!),
    );
  } catch (error) {
    // It evaluates in one place and not in another: its answer depends on the place too.
    if (!(error instanceof NixtagError) || error.code !== 'NIX_EVAL_FAILED') throw error;
  }
  const marked = [...evaluations];
  probed.forEach((index, at) => {
    const evaluation = evaluations[index]!;
    if (moved !== undefined && moved[at]?.tag === evaluation.tag) return;
    marked[index] = {
      ...evaluation,
      commitDependent: true,
      movesWithLocation: locating[index]!,
      warnings: [...evaluation.warnings, messages.checkoutLocationDependent(evaluation.name, locating[index]!)],
    };
  });
  return marked;
}
