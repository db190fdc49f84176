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
 * The flake lock entries fetched once and found to be what they lock (nix/lockedInputs.ts), by
 * the whole entry: an entry with any field changed (its rev, its narHash) is fetched again.
 */
export function lockedMemo(gitDir: string) {
  const file = (locked: Record<string, unknown>) =>
    statePaths(gitDir).lockedMemo(createHash('sha256').update(canonical(locked)).digest('hex').slice(0, 32));
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
