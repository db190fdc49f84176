import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { withForeignGitFile, withOtherCommit } from '../tree/checkoutRepository.js';
import { messages } from '../messages.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import { placeTakingIn } from '../nix/source/takesIn.js';
import type { Session } from './session.js';

/** An evaluation whose references are left unjudged, with the warning that says why. */
const unjudged = (evaluation: ImageEvaluation, warning: string): ImageEvaluation => ({
  ...evaluation,
  commitDependent: true,
  warnings: [...evaluation.warnings, warning],
});

/**
 * What an evaluation that read the checkout's git (its HEAD) may depend on besides the tree.
 * First the bytes of `.git` itself (a source that takes in the repository root copies them): the
 * images are evaluated again with a foreign file in `.git`, and those whose tag changes cannot be
 * judged anywhere, as no two clones hold the same `.git`. Then the commit: for a commit (`--rev`,
 * pre-push) the HEAD is the real commit, so the other tags are exact, but they are not remembered
 * by tree (another commit of the same tree could give others). For the index or the working tree,
 * whose HEAD stands for a commit that does not exist yet, the images are evaluated again with HEAD
 * at another commit of the same tree: those whose tag changes cannot be judged before the commit
 * exists, and say so; the others hold for any commit of the tree.
 */
export async function settleCommitDependence(
  session: Session,
  root: string,
  evaluations: ImageEvaluation[],
  readGit: boolean,
  again: () => Promise<ImageEvaluation[]>,
  { cloneProbe = true }: { cloneProbe?: boolean } = {},
): Promise<{ evaluations: ImageEvaluation[]; cacheable: boolean }> {
  if (!readGit) return { evaluations, cacheable: true };
  // A flake's source is the commit's tracked files: `.git` is never part of it.
  const foreign = cloneProbe ? await withForeignGitFile(root, again) : evaluations;
  const cloneBound = evaluations.map((evaluation, index) => foreign[index]?.tag !== evaluation.tag);
  // No clone CI makes gives that tag again: a failure with its own error (inspect.ts), not a warning.
  const settled = evaluations.map((evaluation, index) =>
    cloneBound[index] ? { ...evaluation, commitDependent: true, cloneDependent: {} } : evaluation,
  );
  if (session.tree.source.kind === 'rev') {
    return {
      evaluations: settled.map((evaluation) =>
        evaluation.commitDependent ? evaluation : { ...evaluation, commitBound: true },
      ),
      cacheable: false,
    };
  }
  if (cloneBound.every(Boolean)) return { evaluations: settled, cacheable: false };
  const other = await withOtherCommit(root, session.treeId, again);
  let cacheable = !cloneBound.some(Boolean);
  const judged = session.tree.source.kind;
  const marked = settled.map((evaluation, index) => {
    if (evaluation.commitDependent || other[index]?.tag === evaluation.tag) return evaluation;
    cacheable = false;
    return unjudged(evaluation, messages.commitDependent(evaluation.name, judged));
  });
  return { evaluations: marked, cacheable };
}

/** A root-covering literal that already leaves `.git` out, or is not a source at all. */
const LEAVES_GIT_OUT = /(?:fetchGit|cleanSource|gitTracked|toString|baseNameOf)\s*\(?\s*$/;

/**
 * Where a clone-dependent image's source most likely takes the repository root in: a literal
 * covering `.git` (`./.`, `../.`), not the argument of `fetchGit` or `lib.cleanSource`, in the
 * first of `files` (relative to `root`, the image's own expression first) that has one.
 */
export async function placeCloneDependence(
  root: string,
  evaluation: ImageEvaluation,
  files: readonly string[],
): Promise<ImageEvaluation> {
  if (evaluation.cloneDependent === undefined) return evaluation;
  for (const file of files) {
    const text = await readFile(path.join(root, file), 'utf8').catch(() => '');
    const place = placeTakingIn(file, text, '.git', (offset) => !LEAVES_GIT_OUT.test(text.slice(0, offset)));
    if (place !== undefined)
      return { ...evaluation, cloneDependent: { place: { file, line: place.line, column: place.column } } };
  }
  return evaluation;
}
