import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lockRepository } from '../../src/state/lock.js';
import { openRepository } from '../../src/git/repository.js';
import { gitRepo } from '../helpers/repo.js';

const lockModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/state/lock.js');
const repositoryModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/git/repository.js');

describe('the repository lock', () => {
  it('makes a second run wait for the first', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const repository = await openRepository(repo.dir);
    const release = await lockRepository(repository);
    let second = false;
    const waiting = lockRepository(repository).then((release2) => {
      second = true;
      return release2;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second).toBe(false);
    await release();
    await (
      await waiting
    )();
    expect(second).toBe(true);
  });

  it('is taken over within seconds from a run that was killed holding it', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { lockRepository } = await import(${JSON.stringify(lockModule)});
         const { openRepository } = await import(${JSON.stringify(repositoryModule)});
         await lockRepository(await openRepository(process.cwd()));
         console.log('locked');
         setInterval(() => {}, 1000);`,
      ],
      { cwd: repo.dir, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const repository = await openRepository(repo.dir);
    expect(existsSync(path.join(repository.gitDir, 'nixtag', 'lock'))).toBe(true);
    const started = performance.now();
    const release = await lockRepository(repository);
    // Stale after 2 s (proper-lockfile's minimum), not the default 10 s; generous for a busy machine.
    expect(performance.now() - started).toBeLessThan(5_000);
    await release();
  });
});
