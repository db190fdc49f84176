import { withOtherCommit } from '../git/checkoutRepository.js';
import { messages } from '../messages.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import type { Session } from './session.js';

/**
 * What an evaluation that read the checkout's git (its HEAD) may depend on besides the tree. For a
 * commit (`--rev`, pre-push) the HEAD is the real commit, so the tags are exact, but they are not
 * remembered by tree: another commit of the same tree could give others. For the index or the
 * working tree, whose HEAD stands for a commit that does not exist yet, the images are evaluated
 * again with HEAD at another commit of the same tree: those whose tag changes cannot be judged
 * before the commit exists, and say so; the others hold for any commit of the tree.
 */
export async function settleCommitDependence(
  session: Session,
  root: string,
  evaluations: ImageEvaluation[],
  readGit: boolean,
  again: () => Promise<ImageEvaluation[]>,
): Promise<{ evaluations: ImageEvaluation[]; cacheable: boolean }> {
  if (!readGit) return { evaluations, cacheable: true };
  if (session.tree.source.kind === 'rev') {
    return { evaluations: evaluations.map((evaluation) => ({ ...evaluation, commitBound: true })), cacheable: false };
  }
  const other = await withOtherCommit(root, session.treeId, again);
  let cacheable = true;
  const marked = evaluations.map((evaluation, index) => {
    if (other[index]?.tag === evaluation.tag) return evaluation;
    cacheable = false;
    const warning = messages.commitDependent(evaluation.name, session.tree.source.kind);
    return { ...evaluation, commitDependent: true, warnings: [...evaluation.warnings, warning] };
  });
  return { evaluations: marked, cacheable };
}
