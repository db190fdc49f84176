import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';

/**
 * Which tree is judged: the tracked files of the working tree, the index (what `git commit` will
 * record), or a commit (what `git push` sends).
 */
export type TreeSource = { kind: 'worktree' } | { kind: 'index' } | { kind: 'rev'; rev: string };

/**
 * A tree to judge: where it comes from, and its id, asked of git once and only when first
 * needed. For the index, also what changed since a given tree, asked once per tree: the id and
 * the checkout's update both build on that diff (see checkout.ts).
 */
export interface JudgedTree {
  source: TreeSource;
  id(): Promise<string>;
  changesSince?: (base: string) => Promise<string>;
}

/**
 * The commit a source names, when it names one (`--rev`, a pushed ref): the checkout's HEAD is
 * that commit, as in CI's clone. The index and the working tree are not committed yet.
 */
export async function judgedCommit(repository: Repository, source: TreeSource): Promise<string | undefined> {
  if (source.kind !== 'rev') return undefined;
  const args = ['rev-parse', '--verify', '--quiet', '--end-of-options', `${source.rev}^{commit}`];
  return (await git(args, inRepository(repository))).trim();
}
