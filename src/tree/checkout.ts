import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { checkoutRecord, type CheckoutState } from './checkoutRecord.js';
import { treeRecords } from './records.js';
import { testPause } from '../testPause.js';
import {
  checkoutGit,
  enableLfs,
  initCheckout,
  keepsIndex,
  leaveIndexBehind,
  setHead,
  writeCommit,
} from './checkoutRepository.js';
import { treeChangesArgs } from '../git/diffArgs.js';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { withLfsContent } from './lfsObjects.js';
import { fetchMissingBlobs } from './promisor.js';
import { parseRawDiff } from './rawDiff.js';
import { judgedCommit, type JudgedTree } from './source.js';
import { indexInfo, updateCheckoutIndex, writeChanges } from './checkoutUpdate.js';
import {
  checkoutSubmodules,
  gitlinksOf,
  submodulesMissing,
  submodulesUnclonable,
  type Gitlink,
  type SubmoduleHome,
  type SubmoduleOutcome,
  type UnclonableSubmodule,
} from './submodules.js';
import { awaitedLater, orSlowPath } from '../promises.js';
import { checkoutDrift, driftless, repairDrift } from './checkoutIntegrity.js';

/** Checkouts still writing, and tree ids still being recorded after a checkout returned. */
const pendingRecords = new Set<Promise<unknown>>();

/**
 * Waits until every checkout of this process is complete and has recorded its tree, whether or
 * not anyone awaited it: before letting go of the lock, so that no other run sees it half done.
 */
export async function settleCheckouts(): Promise<void> {
  while (pendingRecords.size > 0) {
    const pending = [...pendingRecords];
    pendingRecords.clear();
    await Promise.allSettled(pending);
  }
}

export interface CheckoutOptions {
  /** The base name of CI's checkout directory (a `./.` source is stored under it). */
  checkoutName: string;
  /**
   * Check submodules out at their recorded commits, as a recursive clone does; `as-before`: as
   * the last checkout of this slot did (yes for a first one), for a checkout made before the
   * configuration is read.
   */
  submodules: boolean | 'as-before';
  /** Smudge LFS files as a clone with git-lfs does; `as-before` (or absent): as the last checkout. */
  lfs?: boolean | 'as-before';
  /** Check out at the second place (records.ts `elsewhere`), for the location probe. */
  elsewhere?: boolean;
}

/** The slot's directory for `options`: its own, or the second place's (none: no private directory there). */
function slotOf(repository: Repository, tree: JudgedTree, options: CheckoutOptions): string {
  const records = treeRecords(repository.gitDir);
  const kind = tree.source.kind;
  return (options.elsewhere === true ? records.elsewhere(kind) : undefined) ?? records.slot(kind);
}

/** A finished checkout. */
export interface Checkout {
  dir: string;
  /** Whether submodules were checked out. */
  submodules: boolean;
  /** Whether LFS files hold their content. */
  lfs: boolean;
  /** Submodules whose recorded commit this clone does not have: left empty. */
  missingSubmodules: Gitlink[];
  /** Gitlinks CI's recursive clone stops on (no URL, a `.gitmodules` git refuses): left empty. */
  unclonableSubmodules: UnclonableSubmodule[];
  /** Which full checkout its files come from (CheckoutState.made). */
  made: string;
  /** Checked out in full by this run: its files are the tree's, as git just wrote them. */
  fresh?: boolean;
}

/** Partial: a run must start over (and refuse again) while a submodule is missing or unclonable. */
const submodulesState = (outcome: SubmoduleOutcome, wanted: boolean): CheckoutState['submodules'] =>
  !wanted ? 'none' : outcome.missing.length > 0 || outcome.unclonable.length > 0 ? 'partial' : 'all';

const NO_SUBMODULES: SubmoduleOutcome = { missing: [], empty: [], unclonable: [] };

/**
 * The checkout's directory, once it is complete and holds every submodule CI would fetch; refused
 * where CI's clone stops.
 */
export async function checkoutDirectory(checkout: Promise<Checkout>): Promise<string> {
  const { dir, missingSubmodules, unclonableSubmodules } = await checkout;
  if (unclonableSubmodules.length > 0) throw submodulesUnclonable(unclonableSubmodules);
  if (missingSubmodules.length > 0) throw submodulesMissing(missingSubmodules);
  return dir;
}

/** Where the user's clone keeps the objects and submodules that the checkout borrows. */
const objectsOf = (repository: Repository) => path.join(repository.commonDir, 'objects');
const submoduleHome = (repository: Repository): SubmoduleHome => ({
  gitDirs: [...new Set([repository.gitDir, repository.commonDir])],
  workTree: repository.root,
});
/** The checkout as the repository its submodules are checked out in. */
const inCheckoutRepository = (workTree: string) => ({ workTree, gitDir: path.join(workTree, '.git') });

/** HEAD of the checkout: the judged commit, or for a tree not committed yet, a commit of it. */
async function pointHead(repository: Repository, tree: JudgedTree, workTree: string, id: string) {
  const commit = (await judgedCommit(repository, tree.source)) ?? (await writeCommit(workTree, id));
  await setHead(workTree, commit);
}

/**
 * Names the files a checkout holds (CheckoutState.made): when its full checkout was made (its
 * files' age: checkoutRecord.ts), then who and a random part, new on every full checkout and on
 * every repair (what was read of the files before is not theirs any more: remembered scans).
 */
const madeId = (time: string) => `${time}-${process.pid}-${randomBytes(4).toString('hex')}`;

/** A whole checkout from scratch: a fresh repository whose index and files git writes. */
async function fullCheckout(
  repository: Repository,
  tree: JudgedTree,
  checkout: ReturnType<typeof checkoutRecord>,
  submodules: boolean,
  lfs: boolean,
): Promise<{ outcome: SubmoduleOutcome; made: string }> {
  const id = await tree.id();
  const { workTree } = checkout;
  // Whatever is in the way of the slot (a file where a directory belongs) goes: it is rebuilt.
  treeRecords(repository.gitDir).ensure(path.dirname(workTree));
  checkout.beginUpdate(id);
  await rm(workTree, { recursive: true, force: true });
  await mkdir(workTree, { recursive: true });
  await Promise.all([initCheckout(workTree, [objectsOf(repository)], id), fetchMissingBlobs(repository, id)]);
  if (lfs) await enableLfs(workTree, path.join(repository.commonDir, 'lfs'));
  const inCheckout = checkoutGit(workTree);
  const readTree = () => git(['read-tree', '--reset', '-u', id], inCheckout);
  await (lfs ? withLfsContent(repository, readTree) : readTree());
  const attributes = (await git(['ls-files', '-z', '--', ':(glob)**/.gitattributes'], inCheckout)) !== '';
  const outcome = submodules
    ? await checkoutSubmodules(inCheckoutRepository(workTree), submoduleHome(repository), await gitlinksOf(workTree))
    : NO_SUBMODULES;
  await pointHead(repository, tree, workTree, id);
  const made = madeId(Date.now().toString(36));
  checkout.complete({ tree: id, attributes, submodules: submodulesState(outcome, submodules), lfs, made });
  return { outcome, made };
}

/**
 * Brings a trusted checkout from `previous` to the judged tree, writing only what changed: the
 * diff comes from `git diff-index --cached` for the index or `git diff-tree`. A tree without `.gitattributes` has its blobs written as they are (the index
 * follows only where expressions read git: see checkoutRepository.ts); one with them is updated
 * by git (`read-tree -m -u`), which applies them as a clone does. False when the
 * update must be a full checkout instead: a `.gitattributes` file changed (files it did not touch
 * may now convert differently), or a name is not UTF-8.
 */
async function updateCheckout(
  repository: Repository,
  tree: JudgedTree,
  checkout: ReturnType<typeof checkoutRecord>,
  previous: CheckoutState,
): Promise<boolean> {
  const { workTree } = checkout;
  // For the index the id (HEAD's tree) is derived from the diff that the update needs too (one
  // `git diff-index` when both start from the tree checked out last, as they usually do).
  const treeId = awaitedLater(tree.id()); // below, or the update falls back to a full checkout
  const diff =
    tree.changesSince?.(previous.tree) ??
    treeId.then((id) =>
      id === previous.tree ? '' : git(treeChangesArgs(previous.tree, id), inRepository(repository)),
    );
  const changes = parseRawDiff(await diff);
  if (changes.some((change) => path.basename(change.path) === '.gitattributes')) return false;
  // A changed .gitmodules can empty a submodule the diff does not name (`update = none`, a section
  // removed), or fill one: the submodules are laid out again, from a full checkout.
  if (previous.submodules !== 'none' && changes.some((change) => change.path === '.gitmodules')) return false;
  // A name that is not UTF-8 cannot be written from git's decoded output: git writes it, in full.
  if (changes.some((change) => change.path.includes('\uFFFD'))) return false;
  if (changes.length > 0) {
    checkout.beginUpdate(previous.tree);
    await testPause('checkout-update');
    if (previous.attributes) {
      await git(['read-tree', '-m', '-u', previous.tree, await treeId], checkoutGit(workTree));
      // git leaves a removed submodule's files; what stands at a deleted path now (a directory
      // where a file was) is the new tree's and stays.
      const written = changes.filter((entry) => entry.status !== 'D').map((entry) => entry.path);
      for (const change of changes.filter((entry) => entry.status === 'D')) {
        if (written.some((file) => file === change.path || file.startsWith(`${change.path}/`))) continue;
        await rm(path.join(workTree, change.path), { recursive: true, force: true });
      }
    } else {
      const entries = indexInfo(changes, '0'.repeat(previous.tree.length));
      await Promise.all([
        writeChanges(repository, workTree, changes),
        keepsIndex(workTree) ? updateCheckoutIndex(workTree, entries) : leaveIndexBehind(workTree, entries),
      ]);
    }
    const links = changes.filter((change) => change.mode === '160000' && change.status !== 'D');
    if (previous.submodules === 'all' && links.length > 0) {
      const outcome = await checkoutSubmodules(inCheckoutRepository(workTree), submoduleHome(repository), links);
      if (outcome.missing.length > 0 || outcome.unclonable.length > 0) return false; // a full checkout records them
    }
  }
  const id = await treeId;
  await pointHead(repository, tree, workTree, id);
  if (changes.length > 0) checkout.complete({ ...previous, tree: id });
  return true;
}

/**
 * Checks a tree out into `…/nixtag/trees/<slot>/<checkoutName>` (outside `.git`: records.ts), a directory with the
 * base name of CI's checkout (a `./.` source is stored under that name, so it is in the hash),
 * holding what CI's clone holds (see checkoutRepository.ts): a git repository whose HEAD is the
 * judged commit, its files as git writes them with no configuration of the user's, submodules
 * at their recorded commits when `submodules` is set. After the first full checkout only what
 * changed is written; the checkout record (checkoutRecord.ts) makes an interrupted update,
 * or one that failed (objects pruned since), start again from a full checkout. Complete when the
 * promise settles; settleCheckouts waits for every one, awaited or not.
 */
export function materializeTree(repository: Repository, tree: JudgedTree, options: CheckoutOptions): Promise<Checkout> {
  const work = checkOut(repository, tree, options);
  pendingRecords.add(work);
  return work;
}

async function checkOut(repository: Repository, tree: JudgedTree, options: CheckoutOptions): Promise<Checkout> {
  const records = treeRecords(repository.gitDir);
  records.claim();
  if (options.elsewhere === true) records.claimElsewhere();
  const state = slotOf(repository, tree, options);
  const checkout = checkoutRecord(state, options.checkoutName);
  const previous = checkout.trusted();
  const submodules =
    options.submodules === 'as-before' ? (previous?.submodules ?? 'all') !== 'none' : options.submodules;
  const lfs = options.lfs === undefined || options.lfs === 'as-before' ? (previous?.lfs ?? false) : options.lfs;
  const reusable =
    previous !== undefined &&
    previous.submodules === (submodules ? 'all' : 'none') &&
    previous.lfs === lfs &&
    existsSync(path.join(checkout.workTree, '.git'));
  if (reusable && (await orSlowPath(updateCheckout(repository, tree, checkout, previous), false))) {
    return {
      dir: checkout.workTree,
      submodules,
      lfs,
      missingSubmodules: [],
      unclonableSubmodules: [],
      made: previous.made,
    };
  }
  const { outcome, made } = await fullCheckout(repository, tree, checkout, submodules, lfs);
  return {
    dir: checkout.workTree,
    submodules,
    lfs,
    missingSubmodules: outcome.missing,
    unclonableSubmodules: outcome.unclonable,
    made,
    fresh: true,
  };
}

/**
 * The checkout `done`, once its files are seen to be the judged tree's: before Nix reads it. It
 * lives outside the repository, where an editor, a script or a cleaner of temporary directories
 * can change, remove or add a file, which no record would show and Nix would read. What differs
 * is written again (checkoutIntegrity.ts); what a second look still finds (a submodule's own
 * files) is checked out again in full. Costs a stat of every file (of those at or under `paths`,
 * when given): never on a run that Nix does not run in, nor on one that just checked it out in full.
 */
export function intactCheckout(
  repository: Repository,
  tree: JudgedTree,
  options: CheckoutOptions,
  done: Checkout,
  paths?: readonly string[],
): Promise<Checkout> {
  const work = restore(repository, tree, options, done, paths);
  pendingRecords.add(work);
  return work;
}

async function restore(
  repository: Repository,
  tree: JudgedTree,
  options: CheckoutOptions,
  done: Checkout,
  paths: readonly string[] | undefined,
): Promise<Checkout> {
  if (done.fresh === true) return done;
  // Without its index (removed with a cleaner's sweep of old files) every file looks added.
  const indexed = existsSync(path.join(done.dir, '.git', 'index'));
  const drift = indexed ? await checkoutDrift(done.dir, paths) : undefined;
  if (drift !== undefined && driftless(drift)) return done;
  const checkout = checkoutRecord(slotOf(repository, tree, options), options.checkoutName);
  const state = checkout.trusted();
  const id = await tree.id();
  if (drift !== undefined && state !== undefined && state.tree === id) {
    checkout.beginUpdate(id);
    const smudge = (write: () => Promise<unknown>) => (done.lfs ? withLfsContent(repository, write) : write());
    await repairDrift(done.dir, drift, smudge);
    if (driftless(await checkoutDrift(done.dir, paths))) {
      const made = madeId(state.made.split('-')[0]!); // the other files are as old as before
      checkout.complete({ ...state, made });
      return { ...done, made };
    }
  }
  const { outcome, made } = await fullCheckout(repository, tree, checkout, done.submodules, done.lfs);
  return { ...done, missingSubmodules: outcome.missing, unclonableSubmodules: outcome.unclonable, made };
}
