import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { NixtagError } from '../errors.js';
import { processExists } from '../lifecycle.js';
import { messages } from '../messages.js';
import { testPause } from '../testPause.js';
import { ensureStateDirectory, statePaths } from './paths.js';

/** A lock not refreshed for this long belongs to a run that is gone (killed, or its machine asleep). */
export const STALE_MS = 2_000;
/** How often the holder refreshes it: from a worker thread, so a busy main thread cannot miss it. */
const REFRESH_MS = 400;
/** A waiting run says so after this long. */
const TELL_AFTER_MS = 1_000;
/** How long a run waits by default: longer than one evaluation may take (evaluation.timeout). */
export const DEFAULT_WAIT_SECONDS = 600;

interface Owner {
  pid: number;
  host: string;
  token: string;
  since: number;
}

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

function readOwner(lock: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(path.join(lock, 'owner'), 'utf8')) as Owner;
  } catch {
    return undefined; // being created, or from an older nixtag
  }
}

/** Whether the lock directory belongs to nobody any more. */
function abandoned(lock: string): boolean {
  let mtime: number;
  try {
    mtime = statSync(lock).mtimeMs;
  } catch {
    return false; // gone already: try again
  }
  if (mtime < Date.now() - STALE_MS) return true;
  const owner = readOwner(lock);
  return owner !== undefined && owner.host === hostname() && !processExists(owner.pid);
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
 * Refreshes the lock's mtime from a worker thread while the main thread may be blocked (parsing
 * a 40 MB manifest), and raises a shared flag if the lock stopped being ours (its owner file
 * names another run, or it is gone): the main thread reads the flag without its event loop.
 */
const REFRESHER = `
const { workerData } = process.getBuiltinModule('node:worker_threads');
const fs = process.getBuiltinModule('node:fs');
const { lock, token, flag, interval } = workerData;
const state = new Int32Array(flag);
const tick = () => {
  try {
    if (!fs.readFileSync(lock + '/owner', 'utf8').includes(token)) throw new Error('taken');
    const now = new Date();
    fs.utimesSync(lock, now, now);
    setTimeout(tick, interval);
  } catch {
    Atomics.store(state, 0, 1);
  }
};
setTimeout(tick, interval);
`;

/**
 * Serialises nixtag runs on one repository (two hooks at once, lint-staged's chunks): they share
 * the checked-out trees and the caches under `.git/nixtag`. The lock is a directory (`mkdir` is
 * atomic) with an owner file; the holder refreshes it from a worker thread, so it cannot go stale
 * while held, however long the main thread is busy. A run killed while holding it leaves it
 * behind: the next run takes it over at once when the owner's pid is gone on this host, or once it
 * is older than 2 s. A waiting run says so on stderr after a second and gives up after
 * `waitSeconds` (LOCK_TIMEOUT, exit 3).
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
  const started = Date.now();
  let told = false;
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(lock);
      const owner: Owner = { pid: process.pid, host: hostname(), token, since: Date.now() };
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

  const flag = new SharedArrayBuffer(4);
  const lost = new Int32Array(flag);
  const worker = new Worker(REFRESHER, {
    eval: true,
    execArgv: [],
    workerData: { lock, token, flag, interval: REFRESH_MS },
  });
  worker.unref();
  // Should the thread fail, the main thread refreshes instead (as long as it is not blocked).
  let fallback: NodeJS.Timeout | undefined;
  worker.once('error', () => {
    fallback = setInterval(() => {
      const now = new Date();
      if (readOwner(lock)?.token === token) utimesSync(lock, now, now);
    }, REFRESH_MS);
    fallback.unref();
  });
  const assertHeld = () => {
    if (Atomics.load(lost, 0) === 1 || readOwner(lock)?.token !== token) {
      throw new NixtagError('LOCK_LOST', messages.lockLost(), {
        location: { file: lock },
        hint: messages.lockLostHint(),
      });
    }
  };
  return {
    assertHeld,
    release: async () => {
      clearInterval(fallback);
      await worker.terminate();
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
