import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockRepository, REFRESH_AFTER_MS, STALE_MS, UNSEEN_OWNER_STALE_MS } from '../../src/state/lock.js';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { until } from '../helpers/pause.js';
import { gitRepo } from '../helpers/repo.js';

/**
 * The worker threads of this process, counted by the kernel: Node names each one `WorkerThread`
 * (/proc/self/task/<tid>/comm). Independent of how the modules under test were loaded (a vi.mock
 * of node:worker_threads does not reach a module an earlier file of the same worker loaded).
 */
function workerThreads(): number {
  return readdirSync('/proc/self/task').filter((task) => {
    try {
      return readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === 'WorkerThread';
    } catch {
      return false; // ended meanwhile
    }
  }).length;
}

/** While `run` runs, the times (ms after it started) at which more worker threads than before were seen. */
async function threadsSeenDuring<T>(run: () => Promise<T>): Promise<{ result: T; seenAfter: number[] }> {
  const before = workerThreads();
  const started = Date.now();
  const seenAfter: number[] = [];
  const poll = setInterval(() => {
    if (workerThreads() > before) seenAfter.push(Date.now() - started);
  }, 5);
  try {
    return { result: await run(), seenAfter };
  } finally {
    clearInterval(poll);
  }
}

/** The start time of `pid` as the kernel reports it (field 22 of /proc/<pid>/stat), read here independently. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

const machine = () => ({
  host: hostname(),
  boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
  pidns: readlinkSync('/proc/self/ns/pid'),
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A live process that is not nixtag (its pid is what an owner file may name). */
async function liveProcess(): Promise<number> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid!;
}

/** A pid that was alive a moment ago and is gone now (exited and reaped), with its start time. */
async function deadProcess(): Promise<{ pid: number; start: string }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('spawn', resolve));
  const start = startTime(child.pid!);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return { pid: child.pid!, start };
}

/** A lock left as another run's, with that owner file and the lock directory's mtime `ageMs` ago. */
function planted(owner: Record<string, unknown>, ageMs: number) {
  const repo = gitRepo({ 'a.txt': 'a\n' });
  const directory = path.join(repo.dir, '.git', 'nixtag', 'lock');
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'owner'), JSON.stringify({ token: 'theirs', since: 0, ...owner }));
  const when = new Date(Date.now() - ageMs);
  utimesSync(directory, when, when);
  const ownerText = () => readFileSync(path.join(directory, 'owner'), 'utf8');
  return { gitDir: path.join(repo.dir, '.git'), directory, ownerText };
}

const HOUR = 3_600_000;

describe.runIf(process.platform === 'linux')('who may take the repository lock over', () => {
  it('a live owner of this machine is never taken over, however old its lock', async () => {
    const pid = await liveProcess();
    const lock = planted({ pid, start: startTime(pid), ...machine() }, HOUR);
    const error = await lockRepository({ gitDir: lock.gitDir }, { waitSeconds: 1, notify: () => undefined }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'LOCK_TIMEOUT' });
    expect(lock.ownerText()).toContain('theirs');
  });

  it('a dead owner (its pid gone) is taken over at once, however fresh its lock', async () => {
    const dead = await deadProcess();
    const lock = planted({ ...dead, ...machine() }, -HOUR);
    const held = await lockRepository({ gitDir: lock.gitDir }, { waitSeconds: 0 });
    expect(lock.ownerText()).not.toContain('theirs');
    await held.release();
  });

  it('an owner whose pid now belongs to another process (reused pid) is taken over at once', async () => {
    const pid = await liveProcess();
    const start = String(Number(startTime(pid)) - 1);
    const lock = planted({ pid, start, ...machine() }, -HOUR);
    const held = await lockRepository({ gitDir: lock.gitDir }, { waitSeconds: 0 });
    expect(lock.ownerText()).not.toContain('theirs');
    await held.release();
  });

  it('an owner that exited but was not reaped (a zombie) is taken over at once', async () => {
    // The shell's child outlives the shell's exec into `sleep`, which never waits for it. It sleeps a
    // second first: one that ended before the exec was reaped by the shell (CI, under load: ENOENT).
    const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(parent);
    let out = '';
    parent.stdout.on('data', (chunk) => (out += chunk));
    await until(() => out.includes('\n'), 'the shell names its child');
    const pid = Number(out.trim());
    await until(() => readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), 'the child is a zombie');
    const lock = planted({ pid, start: startTime(pid), ...machine() }, -HOUR);
    const held = await lockRepository({ gitDir: lock.gitDir }, { waitSeconds: 0 });
    expect(lock.ownerText()).not.toContain('theirs');
    await held.release();
  });

  it('an owner on another host is judged by age: kept for the longer stale time, then taken over', async () => {
    const pid = await liveProcess();
    const elsewhere = { pid, start: startTime(pid), ...machine(), host: `not-${hostname()}` };
    const young = planted(elsewhere, 3 * STALE_MS);
    await expect(
      lockRepository({ gitDir: young.gitDir }, { waitSeconds: 0.5, notify: () => undefined }),
    ).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
    const old = planted(elsewhere, UNSEEN_OWNER_STALE_MS + 5_000);
    await (await lockRepository({ gitDir: old.gitDir }, { waitSeconds: 0 })).release();
    // One that records no start time (another system, an older nixtag) refreshes from the start: 2 s.
    const noStart = { ...elsewhere, start: undefined }; // left out of the JSON
    await (await lockRepository({ gitDir: planted(noStart, 2 * STALE_MS).gitDir }, { waitSeconds: 0 })).release();
  });

  it('a run starts no thread in its first second of holding the lock; one that holds it longer starts the refresher', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': 'images:\n  - name: app\n    nix: default.nix\n    repository: registry.example/app\n',
      'k8s/app.yaml': deployment('registry.example/app:v1'),
    });
    for (const args of [['fix'], ['check']]) {
      const { result, seenAfter } = await threadsSeenDuring(() => nixtag(repo.dir, args));
      expect(result.code, result.stderr).toBe(0);
      // None (unless the machine is so loaded that the run held the lock past a second).
      for (const after of seenAfter) expect(after).toBeGreaterThan(REFRESH_AFTER_MS / 2);
    }
    const gitDir = path.join(repo.dir, '.git');
    const threads = workerThreads();
    const brief = await lockRepository({ gitDir });
    expect(workerThreads()).toBe(threads);
    await brief.release();
    const taken = Date.now();
    const held = await lockRepository({ gitDir });
    expect(workerThreads()).toBe(threads); // not at once
    const directory = path.join(gitDir, 'nixtag', 'lock');
    const old = new Date(Date.now() - HOUR);
    utimesSync(directory, old, old);
    // For a waiter of another host, which sees only the lock's age.
    await until(() => workerThreads() === threads + 1, 'the refresher starts');
    expect(Date.now() - taken).toBeGreaterThan(REFRESH_AFTER_MS / 2); // timers may round a little
    await until(() => statSync(directory).mtimeMs > Date.now() - HOUR / 2, 'the refresher refreshes');
    held.assertHeld();
    await held.release();
    await until(() => workerThreads() === threads, 'the refresher ends with the lock');
  });
});
