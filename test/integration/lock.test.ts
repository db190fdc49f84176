import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NixtagError } from '../../src/errors.js';
import { lockRepository } from '../../src/state/lock.js';
import { openRepository } from '../../src/git/repository.js';
import { gitRepo } from '../helpers/repo.js';

const lockModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/state/lock.js');

/** A separate process that takes the lock, says so, then runs `then` (JavaScript, synchronous or not). */
function holder(cwd: string, then: string, env: Record<string, string> = {}) {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { lockRepository } = await import(${JSON.stringify(lockModule)});
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
  const locked = new Promise<void>((resolve) => child.stdout.on('data', () => stdout.includes('locked') && resolve()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, locked, exited, output: () => ({ stdout, stderr }) };
}

describe('the repository lock', () => {
  it('makes a second run wait for the first', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const repository = await openRepository(repo.dir);
    const lock = await lockRepository(repository);
    let second = false;
    const waiting = lockRepository(repository).then((lock2) => {
      second = true;
      return lock2;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
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
    expect(existsSync(path.join(repo.dir, '.git', 'nixtag', 'lock'))).toBe(true);
    const started = performance.now();
    const lock = await lockRepository(await openRepository(repo.dir));
    // Its pid is gone: no need to wait for the lock to go stale (2 s).
    expect(performance.now() - started).toBeLessThan(1_000);
    await lock.release();
  });

  it('stays held while the holder is busy for 5 s, and a waiting run says so after a second', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    // The holder's main thread is blocked (as by parsing a 40 MB manifest): no timer of it runs.
    const run = holder(
      repo.dir,
      `const end = Date.now() + 5000; while (Date.now() < end);
       await lock.release(); console.log('released');`,
    );
    await run.locked;
    const notes: string[] = [];
    const started = performance.now();
    const lock = await lockRepository(await openRepository(repo.dir), { notify: (text) => notes.push(text) });
    const waited = performance.now() - started;
    expect(run.output()).toMatchObject({ stdout: expect.stringContaining('released') }); // the holder let go itself, never lost it
    expect(await run.exited).toBe(0);
    expect(run.output().stderr).toBe('');
    expect(waited).toBeGreaterThan(4_000);
    expect(notes).toEqual([
      expect.stringMatching(/^nixtag: waiting for another nixtag run on this repository \(pid \d+\)/),
    ]);
    await lock.release();
  });

  it('gives up after the configured time with LOCK_TIMEOUT', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const run = holder(repo.dir, 'setTimeout(() => lock.release(), 20_000);');
    try {
      await run.locked;
      const started = performance.now();
      const error = await lockRepository(await openRepository(repo.dir), {
        waitSeconds: 1.5,
        notify: () => undefined,
      }).catch((caught: unknown) => caught);
      expect(performance.now() - started).toBeLessThan(4_000);
      expect(error, String(error)).toBeInstanceOf(NixtagError);
      expect((error as NixtagError).code).toBe('LOCK_TIMEOUT');
      expect((error as NixtagError).kind).toBe('tool');
      expect((error as NixtagError).message).toMatch(/Another nixtag run \(pid \d+\) has held this repository's lock/);
      expect((error as NixtagError).hint).toMatch(/NIXTAG_LOCK_TIMEOUT/);
    } finally {
      run.child.kill('SIGKILL');
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
      // Six runs find the dead run's lock at once, and all of them pause after finding it
      // abandoned; each holds the lock briefly, then lets go (release throws LOCK_LOST if
      // another run took it meanwhile).
      const runs = Array.from({ length: 6 }, () =>
        holder(
          repo.dir,
          `await new Promise((resolve) => setTimeout(resolve, 50));
           await lock.release();
           console.log('released');`,
          { NIXTAG_TEST_PAUSE_TAKEOVER_MS: '300' },
        ),
      );
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
