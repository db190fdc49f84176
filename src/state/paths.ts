import { lstatSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * Where nixtag keeps what outlives a run, all under `<git dir>/nixtag` (per work tree: a linked
 * worktree has its own): the lock, the evaluation cache, the last judgement, the pin memo and the
 * checked-out trees with their records. Every path is named here and nowhere else.
 */
export function statePaths(gitDir: string) {
  const root = path.join(gitDir, 'nixtag');
  return {
    root,
    /** The lock directory (state/lock.ts): one run at a time. */
    lock: path.join(root, 'lock'),
    /** Held for the instant of taking over an abandoned lock (state/lock.ts). */
    lockTakeover: path.join(root, 'lock.takeover'),
    /** Tags by tree and environment (state/evaluations.ts). */
    evaluations: path.join(root, 'cache', 'evaluations.json'),
    /** What each manifest held, by blob id, per place it was read (state/scans.ts). */
    scans: (where: string) => path.join(root, 'cache', `scans-${where}.json`),
    /** The directories a run is writing manifests in (state/writeJournal.ts). */
    writing: path.join(root, 'writing'),
    /** The last tree judged, with what its verdict depended on (state/judgements.ts). */
    judgement: path.join(root, 'judgement.json'),
    /** The store path a pin fetched to (state/pinMemo.ts). */
    pinMemo: (key: string) => path.join(root, 'cache', `pin-${key}`),
    /** Where one kind of tree is checked out, with its record (state/checkoutRecord.ts). */
    slot: (slot: string) => path.join(root, 'trees', slot),
    /** The index's tree id when last asked: the base the next one is derived from (git/source.ts). */
    indexTree: path.join(root, 'index-tree'),
    /** A per-process copy of the index, for the working tree's tree id. */
    scratchIndex: (pid: number) => path.join(root, `worktree-index-${pid}`),
  };
}

/** A path into a checked-out tree (`…/nixtag/trees/<slot>/<checkout name>/`), up to and with its slash. */
const CHECKOUT_PREFIX = /(?:\/[^\s'"`:]*)?\/nixtag\/trees\/[^/\s'"`:]+\/[^/\s'"`:]+(?:\/|(?=[\s'"`:]|$))/g;

/** The start of the base name of doctor's temporary directory (under the system's temp directory). */
export const DOCTOR_SCRATCH_PREFIX = 'nixtag-doctor-';

/** A path into one of doctor's copies of the tree (`…/nixtag-doctor-XXXXXX/<probe>/<checkout name>/`). */
const DOCTOR_COPY_PREFIX = new RegExp(
  `(?:/[^\\s'"\`:]*)?/${DOCTOR_SCRATCH_PREFIX}[^/\\s'"\`:]+/[^/\\s'"\`:]+/[^/\\s'"\`:]+(?:/|(?=[\\s'"\`:]|$))`,
  'g',
);

const asUserNamesIt = (match: string) => (match.endsWith('/') ? '' : '.');

/**
 * Text from a tool that ran in a checked-out tree, with that tree's paths as the user names them:
 * `/repo/.git/nixtag/trees/worktree/source/default.nix:4:13` reads `default.nix:4:13`, the
 * checkout itself `.`. With `doctorCopies`, so do the paths into doctor's copies of it (only
 * once doctor has read its evidence: it locates what it finds by those paths).
 */
export function userPaths(text: string, { doctorCopies = false } = {}): string {
  const inCheckout = text.replace(CHECKOUT_PREFIX, asUserNamesIt);
  return doctorCopies ? inCheckout.replace(DOCTOR_COPY_PREFIX, asUserNamesIt) : inCheckout;
}

/**
 * Makes sure `directory` (by default `<git dir>/nixtag` itself) is a directory, and every
 * directory between it and `<git dir>/nixtag`: a file or link left in the way (by hand, by a
 * tool) is removed, as all of nixtag's state can be rebuilt. Returns the directory.
 */
export function ensureStateDirectory(gitDir: string, directory = statePaths(gitDir).root): string {
  try {
    mkdirSync(directory, { recursive: true });
    return directory;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
  }
  const { root } = statePaths(gitDir);
  const steps = path.relative(root, directory).split(path.sep).filter(Boolean);
  for (let index = 0, current = root; index <= steps.length; current = path.join(current, steps[index++] ?? '')) {
    const stat = lstatSync(current, { throwIfNoEntry: false });
    if (stat !== undefined && !stat.isDirectory()) rmSync(current, { force: true });
  }
  mkdirSync(directory, { recursive: true });
  return directory;
}
