import { rm } from 'node:fs/promises';
import path from 'node:path';
import { checkoutGit, indexInStep } from './checkoutRepository.js';
import { git } from '../git/git.js';

/** Where a checkout's files are not the tree its HEAD names. */
export interface Drift {
  /** Tracked paths modified, deleted, of another type or executable bit, or a submodule not at its commit. */
  changed: string[];
  /** Paths no tree entry names (a directory as `dir/`, empty ones too): CI's clone has none. */
  untracked: string[];
}

const NUL_SEPARATED = (text: string) => text.split('\0').filter((entry) => entry !== '');

/**
 * What in the checkout differs from its HEAD's tree: git's stat check against the checkout's own
 * index (brought in step with HEAD first, and then refreshed), and every file or directory the
 * tree does not name (`ls-files --others`, with no exclude file: an ignored file counts, as a
 * source `./.` copies it). An entry `--index-info` wrote (a checkout that keeps its index) has no
 * stat data and is reported until a refresh hashes it: only then is the index refreshed and asked
 * again. Costs a stat of every tracked file and a read of every directory: run only where Nix will
 * read the checkout.
 */
export async function checkoutDrift(workTree: string): Promise<Drift> {
  const inCheckout = checkoutGit(workTree);
  const refreshed = await indexInStep(workTree); // or a file an update added would be no entry of it
  const untracked = git(['ls-files', '-z', '--others', '--directory'], inCheckout);
  // `none`: a submodule with a changed or added file counts, whatever `.gitmodules` says of it.
  const differing = async () =>
    NUL_SEPARATED(await git(['diff-files', '-z', '--name-only', '--ignore-submodules=none'], inCheckout));
  let changed = await differing();
  if (changed.length > 0 && !refreshed) {
    await git(['update-index', '-q', '--refresh'], inCheckout);
    changed = await differing();
  }
  return { changed, untracked: NUL_SEPARATED(await untracked) };
}

/**
 * Puts back what `drift` names: a file the tree does not name is removed, a tracked one written
 * again from the index (`checkout-index -f`, with the tree's attributes and filters, as the
 * checkout wrote it; `smudge` wraps it where LFS files are smudged). A submodule is not repaired
 * here: the caller checks again and checks out in full what is still not the tree.
 */
export async function repairDrift(
  workTree: string,
  drift: Drift,
  smudge: (write: () => Promise<unknown>) => Promise<unknown>,
): Promise<void> {
  for (const entry of drift.untracked) await rm(path.join(workTree, entry), { recursive: true, force: true });
  if (drift.changed.length === 0) return;
  const input = drift.changed.map((entry) => `${entry}\0`).join('');
  await smudge(() => git(['checkout-index', '-f', '-q', '-z', '--stdin'], checkoutGit(workTree, { input })));
}

export const driftless = (drift: Drift) => drift.changed.length === 0 && drift.untracked.length === 0;
