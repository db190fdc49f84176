import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { headOf } from './checkoutRepository.js';

/**
 * Runs `work` with the repository's local branch names present in the checkout, each at the
 * checkout's HEAD, then removes them. The checkout is detached and has no branch, as Tekton's
 * git-clone leaves CI's (fetch, then checkout FETCH_HEAD): an expression that fetches the
 * repository by branch (`builtins.fetchGit { url = ./.; ref = "main"; }`) fails there, and
 * evaluates in a plain clone of that branch. Evaluated this way, it gets a tag, which the caller
 * leaves unjudged: which one CI gets depends on how it clones. Undefined where the repository has
 * no branch, or the checkout already has refs of its own (never overwritten).
 */
export async function withBranches<T>(
  repository: Repository,
  workTree: string,
  work: () => Promise<T>,
): Promise<{ result: T } | undefined> {
  const packed = path.join(workTree, '.git', 'packed-refs');
  const head = headOf(workTree);
  if (head === undefined || existsSync(packed)) return undefined;
  const listed = await git(['for-each-ref', '--format=%(refname)', 'refs/heads'], inRepository(repository));
  const names = listed.split('\n').filter((name) => name !== '');
  if (names.length === 0) return undefined;
  writeFileSync(packed, names.map((name) => `${head} ${name}\n`).join(''));
  try {
    return { result: await work() };
  } finally {
    await rm(packed, { force: true });
  }
}
