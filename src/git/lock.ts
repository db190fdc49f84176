import { mkdirSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { stateDirectory, type Repository } from './repository.js';

/**
 * Serialises nixtag runs on one repository (two hooks at once, lint-staged's chunks): they share
 * the checked-out trees and the caches under `.git/nixtag`. A run waits for the other (an
 * evaluation can take minutes); a lock left by a killed run goes stale and is taken over.
 */
export async function lockRepository(repository: Repository): Promise<() => Promise<void>> {
  const directory = stateDirectory(repository);
  mkdirSync(directory, { recursive: true });
  return lockfile.lock(directory, {
    realpath: false,
    lockfilePath: path.join(directory, 'lock'),
    stale: 15_000,
    update: 5_000,
    retries: { retries: 2_000, factor: 1.2, minTimeout: 20, maxTimeout: 500 },
  });
}
