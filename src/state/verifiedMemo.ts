import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureStateDirectory, statePaths } from './paths.js';

/** A lock entry's fields in a fixed order: the same entry, the same key, however it was written. */
const canonical = (locked: Record<string, unknown>) =>
  JSON.stringify(
    Object.keys(locked)
      .sort()
      .map((key) => [key, locked[key]]),
  );

/** How long a verification of a url that may move is believed: Nix's own `tarball-ttl` default. */
const MOVING_URL_TTL_MS = 3600 * 1000;

/** A commit id in a url (`…/archive/<sha>.tar.gz`): what it serves cannot move. */
const COMMIT_ID = /(?:^|[^0-9a-f])[0-9a-f]{40}(?:[^0-9a-f]|$)/i;

/**
 * Whether what a record fetches can change upstream under the same record: a url (a tarball, a
 * file, a written-out fetch) that names no commit, as a branch's archive does. A git or github
 * entry with its `rev`, or a url with a commit id, cannot.
 */
export function mayMove(record: Record<string, unknown>): boolean {
  const { url, type } = record;
  return (
    typeof url === 'string' && (type === undefined || type === 'tarball' || type === 'file') && !COMMIT_ID.test(url)
  );
}

/**
 * Whether a memo file written at its mtime still answers: not when the run re-verifies
 * (`--no-cache`), nor when what it verified may have moved since and the answer is older than
 * MOVING_URL_TTL_MS (adv15 F16: a branch's archive moves, and CI's empty store fetches it anew).
 */
export function memoHolds(file: string, moves: boolean, reverify: boolean): boolean {
  if (reverify) return false;
  const written = statSync(file, { throwIfNoEntry: false });
  return written !== undefined && (!moves || Date.now() - written.mtimeMs < MOVING_URL_TTL_MS);
}

/**
 * What was fetched once and found to be what its hash says, by the whole record: a flake lock
 * entry (`lock`: nix/lockedInputs.ts), a fetch written out with its url and sha256 (`fetch`:
 * nix/pinHash.ts). A record with any field changed (a rev, a url, a hash) is fetched again; a
 * url that may move, after an hour; any, when the run re-verifies (memoHolds).
 */
export function verifiedMemo(gitDir: string, kind: 'lock' | 'fetch', reverify = false) {
  const file = (locked: Record<string, unknown>) =>
    statePaths(gitDir).verifiedMemo(
      createHash('sha256')
        .update(`${kind}\0${canonical(locked)}`)
        .digest('hex')
        .slice(0, 32),
    );
  return {
    known: (locked: Record<string, unknown>): boolean => memoHolds(file(locked), mayMove(locked), reverify),
    async remember(locked: Record<string, unknown>): Promise<void> {
      try {
        ensureStateDirectory(gitDir, path.dirname(file(locked)));
        await writeFile(file(locked), '');
      } catch {
        // Only a speed-up: the next run fetches again.
      }
    },
  };
}
