import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NixtagError } from '../../src/errors.js';
import { lockRepository, STALE_MS } from '../../src/state/lock.js';
import { openRepository } from '../../src/git/repository.js';
import { pauses, until } from '../helpers/pause.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

const lockModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/state/lock.js');

/** A separate process that takes the lock, says so, then runs `then` (JavaScript, synchronous or not). */
function holder(cwd: string, then: string, env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { existsSync } from 'node:fs';
       const { lockRepository } = await import(${JSON.stringify(lockModule)});
       const lock = await lockRepository({ gitDir: ${JSON.stringify(path.join(cwd, '.git'))} });
       console.log('locked');
       ${then}`,
    ],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const locked = until(() => stdout.includes('locked'), 'the holder takes the lock', { stop: exited });
  return { child, locked, exited, output: () => ({ stdout, stderr }) };
}

/** JavaScript for a holder: busy until `file` exists (its event loop never turns), then let go. */
const busyUntil = (file: string) =>
  `const pause = new Int32Array(new SharedArrayBuffer(4));
   while (!existsSync(${JSON.stringify(file)})) Atomics.wait(pause, 0, 0, 10);
   await lock.release();
   console.log('released');`;

describe('the repository lock', () => {
  it('makes a second run wait for the first', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const repository = await openRepository(repo.dir);
    const lock = await lockRepository(repository);
    let second = false;
    let told = false;
    const waiting = lockRepository(repository, { notify: () => (told = true) }).then((lock2) => {
      second = true;
      return lock2;
    });
    // It says that it waits (after a second): it has waited, and not taken the lock meanwhile.
    await until(() => told || second, 'the second run says it waits');
    expect(second).toBe(false);
    await lock.release();
    await (await waiting).release();
    expect(second).toBe(true);
  });

  it('is taken over at once from a run that was killed holding it', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const run = holder(repo.dir, 'setInterval(() => {}, 1000);');
    await run.locked;
    run.child.kill('SIGKILL');
    await run.exited;
    const directory = path.join(repo.dir, '.git', 'nixtag', 'lock');
    expect(existsSync(directory)).toBe(true);
    // Fresh for an hour by its time: only its pid, gone, can tell that it is abandoned.
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(directory, later, later);
    const lock = await lockRepository(await openRepository(repo.dir), { waitSeconds: 5 });
    await lock.release();
  });

  it('stays held while the holder is busy past the stale time, and a waiting run says so after a second', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    // The holder's main thread is blocked (as by parsing a 40 MB manifest): no timer of it runs.
    const go = path.join(tempDir('go-'), 'go');
    const run = holder(repo.dir, busyUntil(go));
    await run.locked;
    const directory = path.join(repo.dir, '.git', 'nixtag', 'lock');
    const since = (JSON.parse(readFileSync(path.join(directory, 'owner'), 'utf8')) as { since: number }).since;
    const notes: string[] = [];
    let acquired = false;
    const waiting = lockRepository(await openRepository(repo.dir), { notify: (text) => notes.push(text) }).then(
      (lock) => {
        acquired = true;
        return lock;
      },
    );
    // Older than any stale time, and busy past it: the holder is alive on this machine, so the
    // waiting run does not take the lock, with no thread of the holder keeping it fresh.
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(directory, old, old);
    await until(() => Date.now() > since + 2 * STALE_MS, 'the holder is busy past the stale time');
    expect(acquired).toBe(false);
    writeFileSync(go, '');
    const lock = await waiting;
    // The holder prints after it lets go, so the waiter can get the lock before that line arrives.
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatchObject({ stdout: expect.stringContaining('released') }); // the holder let go itself, never lost it
    expect(run.output().stderr).toBe('');
    expect(notes).toEqual([
      expect.stringMatching(/^nixtag: waiting for another nixtag run on this repository \(pid \d+\)/),
    ]);
    await lock.release();
  });

  it('gives up after the configured time with LOCK_TIMEOUT', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const go = path.join(tempDir('go-'), 'go');
    const run = holder(repo.dir, busyUntil(go));
    try {
      await run.locked;
      const started = performance.now();
      const error = await lockRepository(await openRepository(repo.dir), {
        waitSeconds: 1.5,
        notify: () => undefined,
      }).catch((caught: unknown) => caught);
      // Generous (the machine may be busy): the holder never lets go by itself.
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(error, String(error)).toBeInstanceOf(NixtagError);
      expect((error as NixtagError).code).toBe('LOCK_TIMEOUT');
      expect((error as NixtagError).kind).toBe('tool');
      expect((error as NixtagError).message).toMatch(/Another nixtag run \(pid \d+\) has held this repository's lock/);
      expect((error as NixtagError).hint).toMatch(/NIXTAG_LOCK_TIMEOUT/);
    } finally {
      writeFileSync(go, '');
      await run.exited;
    }
  });

  it('is taken over by one waiter at a time: runs that all find it abandoned never take it from each other', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    for (let round = 0; round < 3; round++) {
      const killed = holder(repo.dir, 'setInterval(() => {}, 1000);');
      await killed.locked;
      killed.child.kill('SIGKILL');
      await killed.exited;
      // Six runs find the dead run's lock, and each stops after finding it abandoned until all
      // six have; then all go on at once. Each holds the lock for a moment of work, then lets go
      // (release throws LOCK_LOST if another run took it meanwhile).
      const points = Array.from({ length: 6 }, () => pauses('lock-takeover'));
      const runs = points.map((point) =>
        holder(
          repo.dir,
          `await new Promise((resolve) => setTimeout(resolve, 50)); await lock.release(); console.log('released');`,
          point.env,
        ),
      );
      await Promise.all(points.map((point, index) => point.reached('lock-takeover', runs[index]!.exited)));
      for (const point of points) point.go('lock-takeover');
      const codes = await Promise.all(runs.map((run) => run.exited));
      for (const [index, run] of runs.entries()) {
        expect(codes[index], run.output().stderr).toBe(0);
        expect(run.output().stdout).toContain('released');
      }
    }
  });

  it('does not carry on silently when another run took it', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const repository = await openRepository(repo.dir);
    const lock = await lockRepository(repository);
    lock.assertHeld();
    // What a second run does after this one was suspended past the stale time.
    const directory = path.join(repo.dir, '.git', 'nixtag', 'lock');
    rmSync(directory, { recursive: true });
    mkdirSync(directory);
    writeFileSync(path.join(directory, 'owner'), JSON.stringify({ pid: 1, host: 'x', token: 'other', since: 0 }));
    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ code: 'LOCK_LOST' }));
    await expect(lock.release()).rejects.toMatchObject({ code: 'LOCK_LOST' });
    expect(existsSync(path.join(directory, 'owner'))).toBe(true); // the other run's lock stays
  });
});
