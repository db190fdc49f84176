import { mkdirSync } from 'node:fs';
import lockfile from 'proper-lockfile';
import { statePaths } from './paths.js';

/**
 * Serialises nixtag runs on one repository (two hooks at once, lint-staged's chunks): they share
 * the checked-out trees and the caches under `.git/nixtag`. A run waits for the other (an
 * evaluation can take minutes: the holder refreshes the lock every second). A run that was killed
 * holding it (lint-staged SIGKILLs the other tasks when one fails) leaves a lock that goes stale
 * after 2 s, proper-lockfile's minimum; taking over sooner would need to know the owner is dead,
 * and a check-then-remove of a lock directory races with the next owner.
 */
export async function lockRepository(repository: { gitDir: string }): Promise<() => Promise<void>> {
  const { root: directory, lock } = statePaths(repository.gitDir);
  mkdirSync(directory, { recursive: true });
  return lockfile.lock(directory, {
    realpath: false,
    lockfilePath: lock,
    stale: 2_000,
    update: 1_000,
    onCompromised: () => undefined, // a run that stalled past the stale time carries on
    retries: { retries: 10_000, factor: 1.2, minTimeout: 10, maxTimeout: 200 },
  });
}
