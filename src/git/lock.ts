import { mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { stateDirectory, type Repository } from './repository.js';

/** How long a run waits for another one (an evaluation can take minutes). */
const MAX_WAIT_MS = 15 * 60_000;

/**
 * Whether the lock is held by a process that no longer exists. lint-staged SIGKILLs the other
 * tasks when one fails, and a killed run leaves its lock behind: waiting for it to go stale would
 * cost every next commit seconds. The owner record names the lock directory's inode, so a record
 * left by an older lock never condemns a newer one.
 */
function ownerIsGone(lockPath: string, ownerPath: string): boolean {
  try {
    const [pid, inode] = readFileSync(ownerPath, 'utf8').trim().split(' ').map(Number);
    if (pid === undefined || inode !== statSync(lockPath).ino) return false;
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Serialises nixtag runs on one repository (two hooks at once, lint-staged's chunks): they share
 * the checked-out trees and the caches under `.git/nixtag`. A run waits for the other; a lock
 * whose owner died is taken over at once, and one whose owner hangs goes stale after seconds.
 */
export async function lockRepository(repository: Repository): Promise<() => Promise<void>> {
  const directory = stateDirectory(repository);
  mkdirSync(directory, { recursive: true });
  const lockPath = path.join(directory, 'lock');
  const ownerPath = path.join(directory, 'lock.owner');
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const release = await lockfile.lock(directory, {
        realpath: false,
        lockfilePath: lockPath,
        stale: 10_000,
        onCompromised: () => undefined, // a run that stalled past the stale time carries on
      });
      writeFileSync(ownerPath, `${process.pid} ${statSync(lockPath).ino}\n`);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() - started > MAX_WAIT_MS) throw error;
      if (ownerIsGone(lockPath, ownerPath)) {
        rmdirSync(lockPath, { recursive: false });
        continue;
      }
      await sleep(Math.min(20 * 1.3 ** attempt, 250));
    }
  }
}
