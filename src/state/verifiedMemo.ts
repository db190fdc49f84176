import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
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

/**
 * What was fetched once and found to be what its hash says, by the whole record: a flake lock
 * entry (`lock`: nix/lockedInputs.ts), a fetch written out with its url and sha256 (`fetch`:
 * nix/pinHash.ts). A record with any field changed (a rev, a url, a hash) is fetched again.
 */
export function verifiedMemo(gitDir: string, kind: 'lock' | 'fetch') {
  const file = (locked: Record<string, unknown>) =>
    statePaths(gitDir).verifiedMemo(
      createHash('sha256')
        .update(`${kind}\0${canonical(locked)}`)
        .digest('hex')
        .slice(0, 32),
    );
  return {
    known: (locked: Record<string, unknown>): boolean => existsSync(file(locked)),
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
