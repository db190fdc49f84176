import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PausePoint } from '../../src/testPause.js';
import { tempDir } from './repo.js';

/**
 * Waits until `condition` holds, checking every 10 ms; fails naming `what` after `timeoutMs`
 * (a bound for a stuck run, not a measure of speed), or as soon as `stop` settles (the run it
 * waits on ended first).
 */
export async function until(
  condition: () => boolean,
  what: string,
  { timeoutMs = 60_000, stop }: { timeoutMs?: number; stop?: Promise<unknown> } = {},
): Promise<void> {
  let stopped = false;
  void stop?.then(
    () => (stopped = true),
    () => (stopped = true),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return;
    if (stopped) throw new Error(`ended before ${what}`);
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Pause points for a run of the built CLI (src/testPause.ts): `env` makes it stop at `points`,
 * `reached` waits until it has (giving its pid), `go` lets it on.
 */
export function pauses(...points: PausePoint[]) {
  const dir = tempDir('pause-');
  const file = (point: PausePoint, kind: 'reached' | 'go') => path.join(dir, `${point}.${kind}`);
  return {
    env: { NIXTAG_TEST_PAUSE_AT: points.join(','), NIXTAG_TEST_PAUSE_DIR: dir },
    isReached: (point: PausePoint) => existsSync(file(point, 'reached')),
    /** The pid of the run that stopped at `point`; fails if `run` ends first. */
    async reached(point: PausePoint, run?: Promise<unknown>): Promise<number> {
      await until(() => existsSync(file(point, 'reached')), `a run stops at ${point}`, { stop: run });
      return Number(readFileSync(file(point, 'reached'), 'utf8'));
    },
    go: (point: PausePoint) => writeFileSync(file(point, 'go'), ''),
  };
}
