import path from 'node:path';
import { ensureDirectoryUnder, nixtagDirectory } from '../nixtagDirectory.js';

/**
 * Where nixtag keeps what outlives a run, all under `<git dir>/nixtag` (per work tree: a linked
 * worktree has its own): the lock, the evaluation cache, the last judgement, the pin memo. The checked-out
 * trees and their records are the tree subsystem's (tree/records.ts). Every other path is named here.
 */
export function statePaths(gitDir: string) {
  const root = nixtagDirectory(gitDir);
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
    /** The mention search's last answer (state/mentionMemo.ts). */
    mentions: path.join(root, 'cache', 'mentions.json'),
    /** The store path a pin fetched to (state/pinMemo.ts). */
    pinMemo: (key: string) => path.join(root, 'cache', `pin-${key}`),
    /** A lock entry or a written-out fetch found to be what its hash says (state/verifiedMemo.ts). */
    verifiedMemo: (key: string) => path.join(root, 'cache', `verified-${key}`),
  };
}

/** Makes `directory` (by default `<git dir>/nixtag` itself) a directory, removing whatever is in the way. */
export function ensureStateDirectory(gitDir: string, directory = statePaths(gitDir).root): string {
  return ensureDirectoryUnder(statePaths(gitDir).root, directory);
}
