import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openRepository } from '../../src/git/repository.js';
import { checkoutDirectory, materializeTree } from '../../src/tree/checkout.js';
import { checkoutRecord } from '../../src/tree/checkoutRecord.js';
import { judgedTree } from '../../src/tree/judgedTree.js';
import { treeRecords } from '../../src/tree/records.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

const CHECKOUT = { checkoutName: 'source', submodules: true };

async function checkout(dir: string): Promise<string> {
  const repository = await openRepository(dir);
  return checkoutDirectory(materializeTree(repository, judgedTree(repository, { kind: 'worktree' }), CHECKOUT));
}

/** A file nixtag never writes, left in a checkout: gone once the checkout is made again in full. */
function mark(dir: string): string {
  const marker = path.join(dir, 'left-by-the-test');
  writeFileSync(marker, 'x');
  return marker;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('where the judged tree is checked out', () => {
  it("outside the repository's .git, under TMPDIR, named like CI's checkout", async () => {
    const repo = gitRepo({ 'default.nix': '{ }: 1\n' });
    const dir = await checkout(repo.dir);
    expect(dir).toBe(path.join(treeRecords(path.join(repo.dir, '.git')).slot('worktree'), 'source'));
    expect(path.basename(dir)).toBe('source');
    // A source filter sees absolute paths: `lib.hasInfix "/.git/"` must drop nothing of it.
    expect(dir.split(path.sep)).not.toContain('.git');
    expect(dir.startsWith(`${tmpdir()}${path.sep}`)).toBe(true);
    expect(
      path
        .relative(tmpdir(), dir)
        .split(path.sep)
        .some((step) => step.startsWith('.')),
    ).toBe(false);
    expect(readFileSync(path.join(dir, 'default.nix'), 'utf8')).toBe('{ }: 1\n');
  });

  it('removing .git/nixtag makes the next checkout a full one', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const marker = mark(await checkout(repo.dir));
    await checkout(repo.dir);
    expect(existsSync(marker)).toBe(true); // an update keeps it
    rmSync(path.join(repo.dir, '.git', 'nixtag'), { recursive: true, force: true });
    const dir = await checkout(repo.dir);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('a\n');
  });

  it('a copy (cp -r) has checkouts of its own; one copied to where another repository was starts afresh', async () => {
    const parent = tempDir();
    const repo = gitRepo({ 'a.txt': 'a\n' }, 'app', parent);
    const original = await checkout(repo.dir);
    const marker = mark(original);
    const copy = path.join(tempDir(), 'app');
    cpSync(repo.dir, copy, { recursive: true });
    const copied = await checkout(copy);
    expect(copied).not.toBe(original);
    expect(existsSync(marker)).toBe(true);
    // Another repository with the original's path: the checkouts there are not its own.
    rmSync(repo.dir, { recursive: true, force: true });
    cpSync(copy, repo.dir, { recursive: true });
    writeFileSync(path.join(repo.dir, 'a.txt'), 'b\n');
    const again = await checkout(repo.dir);
    expect(again).toBe(original);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(path.join(again, 'a.txt'), 'utf8')).toBe('b\n');
  });

  it("a deleted repository's checkouts are removed when another repository's are made", async () => {
    const gone = gitRepo({ 'a.txt': 'a\n' });
    const dir = await checkout(gone.dir);
    rmSync(gone.dir, { recursive: true, force: true });
    expect(existsSync(dir)).toBe(true);
    const kept = gitRepo({ 'a.txt': 'a\n' });
    const keptDir = await checkout(kept.dir);
    await checkout(gitRepo({ 'b.txt': 'b\n' }).dir);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(path.dirname(path.dirname(path.dirname(path.dirname(dir)))))).toBe(false);
    expect(existsSync(keptDir)).toBe(true);
  });

  it('a full checkout is trusted for two days only (cleaners of temporary directories remove old files)', () => {
    const slot = tempDir();
    const record = checkoutRecord(slot, 'source');
    writeFileSync(path.join(slot, 'source'), '');
    const state = {
      tree: 'a'.repeat(40),
      attributes: false,
      submodules: 'none' as const,
      lfs: false,
      made: `${Date.now().toString(36)}-1-abcd`,
    };
    record.complete(state);
    expect(record.trusted()).toEqual(state);
    vi.useFakeTimers({ now: Date.now() + 47 * 60 * 60 * 1000 });
    expect(record.trusted()).toEqual(state);
    vi.setSystemTime(Date.now() + 2 * 60 * 60 * 1000);
    expect(record.trusted()).toBeUndefined();
  });
});
