import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { headOf } from './checkoutRepository.js';

/**
 * Runs `work` with the repository's refs present in the checkout, then removes them: its local
 * branch names each at the checkout's HEAD, its tags and remote-tracking branches where they point
 * (the objects are the repository's, borrowed). The checkout is detached and has no ref, as
 * Tekton's git-clone leaves CI's (fetch, then checkout FETCH_HEAD): an expression that fetches the
 * repository by ref (`builtins.fetchGit { url = ./.; ref = "main"; }`, `ref = "refs/tags/v1"`)
 * fails there, and evaluates in a plain clone that has the ref. Evaluated this way, it gets a tag,
 * which the caller leaves unjudged: which one CI gets depends on how it clones. Undefined where the
 * repository has no ref, or the checkout already has refs of its own (never overwritten).
 */
export async function withBranches<T>(
  repository: Repository,
  workTree: string,
  work: () => Promise<T>,
): Promise<{ result: T } | undefined> {
  const packed = path.join(workTree, '.git', 'packed-refs');
  const head = headOf(workTree);
  if (head === undefined || existsSync(packed)) return undefined;
  const listed = await git(
    ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags', 'refs/remotes'],
    inRepository(repository),
  );
  const refs = listed
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [object, name] = line.split(' ') as [string, string];
      // A branch stands for the judged commit, as CI's clone of the pushed branch holds it.
      return `${name.startsWith('refs/heads/') ? head : object} ${name}\n`;
    });
  if (refs.length === 0) return undefined;
  // Sorted by name, as git writes packed-refs.
  writeFileSync(packed, refs.sort((a, b) => (a.split(' ')[1]! < b.split(' ')[1]! ? -1 : 1)).join(''));
  try {
    return { result: await work() };
  } finally {
    await rm(packed, { force: true });
  }
}
