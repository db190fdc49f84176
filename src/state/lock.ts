import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { testPause } from '../testPause.js';
import { type Owner, onSharedFileSystem, ownerLiveness, ownIdentity, readOwner } from './lockOwner.js';
import { type Refresher, startRefresher } from './lockRefresher.js';
import { ensureStateDirectory, statePaths } from './paths.js';

/**
 * The age after which a lock is abandoned when its owner records no start time (not Linux, or an
 * older nixtag): such an owner refreshes it from a thread from the start.
 */
export const STALE_MS = 2_000;
/**
 * The age after which a lock whose owner records a start time, but which this run cannot check
 * (another host or container sharing the repository), is abandoned: long, since its owner starts
 * refreshing only after REFRESH_AFTER_MS, at a turn of its event loop.
 */
export const UNSEEN_OWNER_STALE_MS = 30_000;
/** When the owner records a start time, its refresher thread starts after it held the lock this long. */
export const REFRESH_AFTER_MS = 1_000;
/** How often the refresher refreshes it. */
const REFRESH_MS = 400;
/** A waiting run says so after this long. */
const TELL_AFTER_MS = 1_000;
/** How long a run waits by default: longer than one evaluation may take (evaluation.timeout). */
export const DEFAULT_WAIT_SECONDS = 600;

export interface LockOptions {
  /** Seconds to wait for another run before giving up (NIXTAG_LOCK_TIMEOUT, default 600). */
  waitSeconds?: number | undefined;
  /** Where a waiting run says that it waits (stderr). */
  notify?: ((text: string) => void) | undefined;
}

export interface RepositoryLock {
  /** Throws LOCK_LOST if another run took the lock meanwhile: nothing may be written then. */
  assertHeld(): void;
  /** Lets go; throws LOCK_LOST if the lock was lost while held, so the run does not pass silently. */
  release(): Promise<void>;
}

/**
 * Whether the lock directory belongs to nobody any more. An owner this run can check (same
 * machine, start time recorded) is abandoned exactly when it is dead, however old the lock;
 * otherwise the lock's age decides (lockOwner.ts).
 */
function abandoned(lock: string): boolean {
  let mtime: number;
  try {
    mtime = statSync(lock).mtimeMs;
  } catch {
    return false; // gone already: try again
  }
  const owner = readOwner(lock);
  const liveness = owner === undefined ? 'unknown' : ownerLiveness(owner);
  if (liveness !== 'unknown') return liveness === 'dead';
  return mtime < Date.now() - (owner?.start === undefined ? STALE_MS : UNSEEN_OWNER_STALE_MS);
}

/** A takeover mutex older than this was left by a run killed while taking over: removed. */
const TAKEOVER_STALE_MS = 5_000;

/**
 * Removes an abandoned lock so that a waiter can take it. Two waiters that both found it
 * abandoned must not both remove it: the second would remove the lock the first just took, and
 * the first would find it lost. So the removal happens under a short-lived second lock
 * (`lock.takeover`), and the lock is judged again inside it. False when another waiter is taking
 * it over: wait, then look again.
 */
function takeOver(lock: string, mutex: string): boolean {
  try {
    mkdirSync(mutex);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const since = statSync(mutex, { throwIfNoEntry: false })?.mtimeMs;
    if (since !== undefined && since < Date.now() - TAKEOVER_STALE_MS) rmSync(mutex, { recursive: true, force: true });
    return false;
  }
  try {
    if (abandoned(lock)) rmSync(lock, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(mutex, { recursive: true, force: true });
  }
}

/**
 * Serialises nixtag runs on one repository (two hooks at once, lint-staged's chunks): they share
 * the checked-out trees and the caches under `.git/nixtag`. The lock is a directory (`mkdir` is
 * atomic) with an owner file naming the holder. When a waiter may take it over:
 * - The owner file records the holder's pid and start time (Linux). A waiter on the same machine
 *   (host name, boot id and pid namespace) takes it over exactly when that process is gone: no
 *   process with the pid, a zombie, or another process under the reused pid. Never because of its
 *   age, so a live holder keeps it however long its main thread is blocked, with no thread.
 * - A waiter that cannot check that (another host or container sharing the repository) takes it
 *   over once its mtime is UNSEEN_OWNER_STALE_MS (30 s) old. The holder refreshes it from a worker
 *   thread, started at once when the lock lies on a network file system (onSharedFileSystem),
 *   else at the first turn of the event loop after REFRESH_AFTER_MS (1 s) of holding. Guaranteed
 *   there: a live holder keeps the lock if its event loop turns at least once between 1 s and
 *   29 s after it took it (on a network file system, always); from then on the thread refreshes it
 *   whatever the main thread does. Clocks of the hosts must agree to within seconds.
 * - An owner that records no start time (another system, an older nixtag) refreshes from a thread
 *   from the start, and is taken over when its pid is gone on this host or once 2 s (STALE_MS) old.
 * A holder the lock was taken from fails with LOCK_LOST at its next assertHeld or release. A
 * waiting run says so on stderr after a second and gives up after `waitSeconds` (LOCK_TIMEOUT).
 */
export async function lockRepository(
  repository: { gitDir: string },
  options: LockOptions = {},
): Promise<RepositoryLock> {
  const { lock, lockTakeover } = statePaths(repository.gitDir);
  ensureStateDirectory(repository.gitDir);
  const waitMs = (options.waitSeconds ?? waitSecondsFromEnvironment()) * 1000;
  const notify = options.notify ?? ((text: string) => process.stderr.write(`${text}\n`));
  const token = randomBytes(8).toString('hex');
  const identity = ownIdentity();
  const started = Date.now();
  let told = false;
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      const owner: Owner = { ...identity, token, since: Date.now() };
      const temporary = path.join(lock, `owner.${token}`);
      writeFileSync(temporary, JSON.stringify(owner));
      renameSync(temporary, path.join(lock, 'owner'));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (abandoned(lock)) {
      await testPause('lock-takeover');
      if (takeOver(lock, lockTakeover)) continue;
    }
    const waited = Date.now() - started;
    if (waited >= waitMs) {
      const owner = readOwner(lock);
      throw new NixtagError('LOCK_TIMEOUT', messages.lockTimeout(owner?.pid, Math.round(waited / 1000)), {
        location: { file: lock },
        hint: messages.lockTimeoutHint(lock),
      });
    }
    if (!told && waited >= TELL_AFTER_MS) {
      told = true;
      notify(messages.lockWaiting(readOwner(lock)?.pid));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * 1.5 ** attempt)));
  }

  // A waiter that can check this run's pid and start time never takes the lock from it: no
  // refresher is needed for it. One on another host or container sees the lock's age only.
  let refresher: Refresher | undefined;
  let later: NodeJS.Timeout | undefined;
  const refresh = () => (refresher = startRefresher(lock, token, REFRESH_MS));
  if (identity.start === undefined || onSharedFileSystem(lock)) refresh();
  else {
    later = setTimeout(refresh, REFRESH_AFTER_MS);
    later.unref();
  }
  const assertHeld = () => {
    if (refresher?.lost() === true || readOwner(lock)?.token !== token) {
      throw new NixtagError('LOCK_LOST', messages.lockLost(), {
        location: { file: lock },
        hint: messages.lockLostHint(),
      });
    }
  };
  return {
    assertHeld,
    release: async () => {
      clearTimeout(later);
      await refresher?.stop();
      try {
        assertHeld();
      } finally {
        if (readOwner(lock)?.token === token) rmSync(lock, { recursive: true, force: true });
      }
    },
  };
}

function waitSecondsFromEnvironment(): number {
  const value = Number(process.env.NIXTAG_LOCK_TIMEOUT);
  return Number.isFinite(value) && value >= 0 && process.env.NIXTAG_LOCK_TIMEOUT !== '' ? value : DEFAULT_WAIT_SECONDS;
}
