import { checkoutGit, indexInStep } from './checkoutRepository.js';
import { git } from '../git/git.js';

/** More paths than this go to git in several calls (a command line has a length limit). */
const PATHS_PER_CALL = 2000;

/**
 * Whether a tracked file among `paths` (or under one, for a directory) of a checkout differs from
 * its tree: git's stat check of those paths alone, against the checkout's own index (an update's
 * entries joined to it first). The configuration and the manifests are read from the checkout on
 * every run, with or without Nix, where the full check (checkoutIntegrity.ts, a stat of every
 * file) would cost too much: an edit there would otherwise decide a verdict. `paths` are literal.
 */
export async function editedAmong(workTree: string, paths: readonly string[]): Promise<boolean> {
  if (paths.length === 0) return false;
  await indexInStep(workTree);
  for (let start = 0; start < paths.length; start += PATHS_PER_CALL) {
    const chunk = paths.slice(start, start + PATHS_PER_CALL);
    const args = ['--literal-pathspecs', 'diff-files', '--name-only', '-z', '--', ...chunk];
    if ((await git(args, checkoutGit(workTree))) !== '') return true;
  }
  return false;
}
