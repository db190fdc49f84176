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

/** Past this many paths a check looks at the whole tree. */
const PATHSPEC_LIMIT = 2000;
/**
 * `diff-files` tests every index entry against every pathspec: 400 of them cost more at 100,000
 * entries than no pathspec at all (0.9-1.3 s against 0.6 s measured), where `ls-files --others`
 * only reads the directories leading to them (0.03 s against 0.8 s). Its paths are cut to their
 * leading directories until this few remain: it stats a few more files, never fewer.
 */
const STAT_PATHSPECS = 16;

/** At most STAT_PATHSPECS paths covering `paths` (their leading directories); [] for the whole tree. */
function fewer(paths: readonly string[]): string[] {
  let kept = [...new Set(paths)];
  const depth = Math.max(...kept.map((file) => file.split('/').length));
  for (let parts = depth - 1; kept.length > STAT_PATHSPECS && parts > 0; parts--) {
    kept = [...new Set(kept.map((file) => file.split('/').slice(0, parts).join('/')))];
  }
  return kept.length > STAT_PATHSPECS ? [] : kept;
}

/**
 * What in the checkout differs from its HEAD's tree: git's stat check against the checkout's own
 * index (brought in step with HEAD first), and every file or directory the tree does not name
 * (`ls-files --others`, with no exclude file: an ignored file counts, as a source `./.` copies it).
 * With `paths`, only what lies at or under them (taken literally): git then reads only the
 * directories that lead to them, where the whole check reads every directory. An entry
 * `--index-info` wrote (a checkout that keeps its index) has no stat data and is reported until
 * a refresh hashes it: only the reported entries are refreshed (`add --refresh`) and asked again,
 * not every file. Costs a stat of every tracked file (of those under `paths`) and a read of every
 * directory: run only where Nix will read the checkout.
 */
export async function checkoutDrift(workTree: string, paths?: readonly string[]): Promise<Drift> {
  const whole = paths === undefined || paths.length > PATHSPEC_LIMIT;
  const pathspec = whole ? [] : ['--', ...paths];
  const statted = whole ? [] : ['--', ...fewer(paths)];
  const inCheckout = checkoutGit(workTree, { env: { GIT_LITERAL_PATHSPECS: '1' } });
  await indexInStep(workTree, false); // or a file an update added would be no entry of it
  const untracked = git(['ls-files', '-z', '--others', '--directory', ...pathspec], inCheckout);
  // `none`: a submodule with a changed or added file counts, whatever `.gitmodules` says of it.
  const differing = async (among: readonly string[]) =>
    NUL_SEPARATED(await git(['diff-files', '-z', '--name-only', '--ignore-submodules=none', ...among], inCheckout));
  const changed = await stillDiffering(workTree, await differing(statted), () => differing(statted));
  return { changed, untracked: NUL_SEPARATED(await untracked) };
}

/**
 * Of the entries `diff-files` reported in a checkout, those that still differ once refreshed: an
 * entry `--index-info` wrote has no stat data and is reported until a refresh hashes it. Only the
 * reported entries are refreshed (`add --refresh`, stat data written where the content is the
 * index's) and asked again, not every file; past PATHSPEC_LIMIT of them, the whole index is
 * refreshed and `askAgain` asked instead.
 */
export async function stillDiffering(
  workTree: string,
  reported: readonly string[],
  askAgain: () => Promise<string[]>,
): Promise<string[]> {
  if (reported.length === 0) return [];
  const inCheckout = checkoutGit(workTree, { env: { GIT_LITERAL_PATHSPECS: '1' } });
  if (reported.length > PATHSPEC_LIMIT) {
    await git(['update-index', '-q', '--refresh'], inCheckout);
    return askAgain();
  }
  const input = reported.map((entry) => `${entry}\0`).join('');
  await git(['add', '--refresh', '--pathspec-from-file=-', '--pathspec-file-nul'], { ...inCheckout, input });
  const asked = new Set(reported);
  const again = ['diff-files', '-z', '--name-only', '--ignore-submodules=none', '--', ...fewer(reported)];
  return NUL_SEPARATED(await git(again, inCheckout)).filter((entry) => asked.has(entry));
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
