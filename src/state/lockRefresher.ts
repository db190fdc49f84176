import { utimesSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { readOwner } from './lockOwner.js';

/**
 * Refreshes the lock's mtime from a worker thread while the main thread may be blocked (parsing
 * a 40 MB manifest), and raises a shared flag if the lock stopped being ours (its owner file
 * names another run, or it is gone): the main thread reads the flag without its event loop. It
 * refreshes once as soon as it runs, then every `interval` ms.
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
tick();
`;

export interface Refresher {
  /** Whether the thread found the lock taken by another run. */
  lost(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts the refresher thread (a second Node environment: 12–25 ms of CPU, so only where a
 * waiter can judge the lock by its age alone: state/lock.ts).
 */
export function startRefresher(lock: string, token: string, interval: number): Refresher {
  const flag = new SharedArrayBuffer(4);
  const lost = new Int32Array(flag);
  const worker = new Worker(REFRESHER, { eval: true, execArgv: [], workerData: { lock, token, flag, interval } });
  worker.unref();
  // Should the thread fail, the main thread refreshes instead (as long as it is not blocked).
  let fallback: NodeJS.Timeout | undefined;
  worker.once('error', () => {
    fallback = setInterval(() => {
      const now = new Date();
      // Gone or another run's: assertHeld says so.
      if (readOwner(lock)?.token === token) utimesSync(lock, now, now);
    }, interval);
    fallback.unref();
  });
  return {
    lost: () => Atomics.load(lost, 0) === 1,
    stop: async () => {
      clearInterval(fallback);
      await worker.terminate();
    },
  };
}
