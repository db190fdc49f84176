import { checkoutGit, indexInStep } from './checkoutRepository.js';
import { stillDiffering } from './checkoutIntegrity.js';
import { git } from '../git/git.js';

/** More paths than this go to git in several calls (a command line has a length limit). */
const PATHS_PER_CALL = 500;

/**
 * Whether a tracked file of a checkout among `paths` (literal; a directory: anything under it; ''
 * the root, as a `.config` linked to it is: every file), or
 * matching one of `globs` (git's `:(glob,icase)` patterns), differs from its tree: git's stat
 * check of those files alone, against the checkout's own index (an update's entries joined to it
 * first). The configuration and the manifests are read from the checkout on every run, with or
 * without Nix, where the full check (checkoutIntegrity.ts, a stat of every file and a read of every
 * directory) would cost too much: an edit there would otherwise decide a verdict. Git matches
 * every index entry against every pathspec, so the many files of a kind go as one glob, and only
 * the few others by name. An entry an update wrote has no stat data until refreshed: only the
 * entries reported are refreshed and asked again (checkoutIntegrity.ts).
 */
export async function editedAmong(
  workTree: string,
  paths: readonly string[],
  globs: readonly string[] = [],
): Promise<boolean> {
  const pathspecs = [
    ...globs.map((glob) => `:(glob,icase)${glob}`),
    ...paths.map((file) => `:(literal)${file === '' ? '.' : file}`),
  ];
  if (pathspecs.length === 0) return false;
  // Not refreshed as a whole (a stat of every file): what the entries it applies make diff-files report is.
  await indexInStep(workTree, false);
  for (let start = 0; start < pathspecs.length; start += PATHS_PER_CALL) {
    const chunk = pathspecs.slice(start, start + PATHS_PER_CALL);
    const differing = () => reported(workTree, chunk);
    if ((await stillDiffering(workTree, await differing(), differing)).length > 0) return true;
  }
  return false;
}

/** What git's stat check reports among `pathspecs` in a checkout, as it is: nothing refreshed. */
async function reported(workTree: string, pathspecs: readonly string[]): Promise<string[]> {
  const listed = await git(['diff-files', '--name-only', '-z', '--', ...pathspecs], checkoutGit(workTree));
  return listed.split('\0').filter((entry) => entry !== '');
}

/**
 * `editedAmong` for `globs` in two halves, so that the first can run beside the configuration's
 * check and loading (it reads the index and writes nothing), and only what it reports is refreshed
 * later, when nothing else writes the checkout's index. Call it once the entries kept aside are
 * applied (`indexInStep`), or a file an update added is no entry of it.
 */
export function editedMatching(workTree: string, globs: readonly string[]): () => Promise<boolean> {
  const pathspecs = globs.map((glob) => `:(glob,icase)${glob}`);
  const first = reported(workTree, pathspecs);
  first.catch(() => undefined); // asked for by the second half, or not at all
  return async () => (await stillDiffering(workTree, await first, () => reported(workTree, pathspecs))).length > 0;
}
