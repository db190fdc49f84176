import { existsSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The one place test-only pauses live: places where a test stops a run to act at a known moment
 * (kill it, start a second run) instead of guessing with a sleep. Off unless
 * NIXTAG_TEST_PAUSE_AT names the point (a comma list) and NIXTAG_TEST_PAUSE_DIR is set; then the
 * run writes `<dir>/<point>.reached` (its pid) and waits until `<dir>/<point>.go` exists. Cheap
 * when off: one environment read, no other module loaded.
 */
export type PausePoint =
  /** Inside a checkout update, its `.updating` marker written (git/tree.ts). */
  | 'checkout-update'
  /** A waiter found the lock abandoned and has not taken it over yet (state/lock.ts). */
  | 'lock-takeover'
  /** Nix has been started and not yet answered (nix/nixInstantiate.ts). */
  | 'nix-running'
  /** A manifest's new content is in its temporary file, nothing renamed yet (manifest/write.ts). */
  | 'manifest-temporary'
  /** One manifest has been renamed into place, the others not yet (manifest/write.ts). */
  | 'manifest-renamed';

/** A stuck test must not leave a run waiting for ever. */
const LIMIT_MS = 60_000;
const POLL_MS = 10;

/** The files of `point` when a pause there is asked for, else undefined. */
function pauseFiles(point: PausePoint): { reached: string; go: string } | undefined {
  const at = process.env.NIXTAG_TEST_PAUSE_AT;
  const dir = process.env.NIXTAG_TEST_PAUSE_DIR;
  if (!at || !dir || !at.split(',').includes(point)) return undefined;
  return { reached: path.join(dir, `${point}.reached`), go: path.join(dir, `${point}.go`) };
}

/** Says that this run has reached the point: whole, so that the test reads a pid, not an empty file. */
function announce(reached: string): void {
  writeFileSync(`${reached}.${process.pid}`, String(process.pid));
  renameSync(`${reached}.${process.pid}`, reached);
}

/** Pauses at `point` when a test asks for it (see above); the event loop keeps turning meanwhile. */
export async function testPause(point: PausePoint): Promise<void> {
  const files = pauseFiles(point);
  if (files === undefined) return;
  announce(files.reached);
  const deadline = Date.now() + LIMIT_MS;
  while (!existsSync(files.go) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}

/**
 * The same pause, blocking the thread: for points inside synchronous steps (the manifest writes,
 * which an interrupt waits for), where turning the event loop would change what is tested.
 */
export function testPauseSync(point: PausePoint): void {
  const files = pauseFiles(point);
  if (files === undefined) return;
  announce(files.reached);
  const deadline = Date.now() + LIMIT_MS;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(files.go) && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, POLL_MS);
}
