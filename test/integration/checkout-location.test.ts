import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openRepository } from '../../src/git/repository.js';
import { checkoutDirectory, materializeTree } from '../../src/tree/checkout.js';
import { checkoutRecord } from '../../src/tree/checkoutRecord.js';
import { judgedTree } from '../../src/tree/judgedTree.js';
import { treeRecords } from '../../src/tree/records.js';
import { hash } from '../../src/index.js';
import { gitRepo, n2k8sTag, tempDir, type TestRepo } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

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

  it("a deleted repository's second checkout (the location probe's) goes when another repository's is made", async () => {
    const elsewhere = async (dir: string) => {
      const repository = await openRepository(dir);
      const tree = judgedTree(repository, { kind: 'worktree' });
      return checkoutDirectory(materializeTree(repository, tree, { ...CHECKOUT, elsewhere: true }));
    };
    const gone = gitRepo({ 'a.txt': 'a\n' });
    const goneDir = await elsewhere(gone.dir);
    const kept = gitRepo({ 'a.txt': 'a\n' });
    const keptDir = await elsewhere(kept.dir);
    // Under the cache directory, not beside the first checkouts, and in a directory of its own.
    expect(goneDir.startsWith(`${realpathSync(process.env.XDG_CACHE_HOME!)}${path.sep}`)).toBe(true);
    const home = path.dirname(path.dirname(path.dirname(path.dirname(goneDir))));
    rmSync(gone.dir, { recursive: true, force: true });
    expect(existsSync(goneDir)).toBe(true);
    // Another repository's first probe prunes it; the live one's is left, and still serves.
    const third = await elsewhere(gitRepo({ 'b.txt': 'b\n' }).dir);
    expect(existsSync(goneDir)).toBe(false);
    expect(existsSync(path.dirname(path.dirname(path.dirname(goneDir))))).toBe(false);
    expect(existsSync(keptDir)).toBe(true);
    expect(mark(keptDir)).toBeDefined();
    expect(await elsewhere(kept.dir)).toBe(keptDir);
    expect(existsSync(path.join(keptDir, 'left-by-the-test'))).toBe(true);
    expect(third.startsWith(`${home}${path.sep}`)).toBe(true);
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

/**
 * TMPDIR at `tmpdir` while `run` runs: nixtag passes it over for /var/tmp, outside the test run's
 * own TMPDIR, so what it made there goes before TMPDIR is restored (found from it), and the
 * private directory too when this made it: the run leaves /var/tmp as it found it.
 */
async function withTmpdir<T>(repo: TestRepo, tmpdir: string, run: () => Promise<T>): Promise<T> {
  const fallback = path.join('/var/tmp', `nixtag-checkouts-${process.getuid?.() ?? 0}`);
  const existed = existsSync(fallback);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmpdir;
  try {
    return await run();
  } finally {
    treeRecords(path.join(repo.dir, '.git')).remove();
    process.env.TMPDIR = saved;
    if (!existed) rmSync(fallback, { recursive: true, force: true });
  }
}

/** The repository with `tmp -> .git/tmp`, and TMPDIR there while `run` runs. */
async function withTmpdirInGit<T>(repo: TestRepo, run: () => Promise<T>): Promise<T> {
  mkdirSync(path.join(repo.dir, '.git', 'tmp'));
  symlinkSync('.git/tmp', path.join(repo.dir, 'tmp'));
  return withTmpdir(repo, path.join(repo.dir, 'tmp'), run);
}

describe('a TMPDIR that is a symlink into a .git directory', () => {
  it('is tested where it really is: the checkout is not under any .git', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    await withTmpdirInGit(repo, async () => {
      const dir = await checkout(repo.dir);
      expect(realpathSync(dir).split(path.sep)).not.toContain('.git');
      expect(dir.startsWith(realpathSync(path.join(repo.dir, '.git')))).toBe(false);
      expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('a\n');
    });
  });

  it('a link to a directory whose real path is no valid URL (a space) is passed over too', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const parent = tempDir();
    mkdirSync(path.join(parent, 'with space'));
    symlinkSync('with space', path.join(parent, 'tmp'));
    await withTmpdir(repo, path.join(parent, 'tmp'), async () => {
      const dir = await checkout(repo.dir);
      // Nix 2.8's fetchGit refuses a `file://` URL with a space: the real path is what it is given.
      expect(realpathSync(dir)).not.toContain(' ');
    });
  });

  it('a source filter that drops `/.git/` paths keeps every file, as in CI', async () => {
    // nixpkgs' `lib.hasInfix "/.git/"` idiom, on the absolute path Nix gives the filter.
    const repo = gitRepo({
      'default.nix': `{ }:
derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  src = builtins.path { path = ./.; name = "src"; filter = p: t: builtins.match ".*/[.]git(/.*)?" p == null; };
}
`,
      'data.txt': 'data\n',
    });
    const expected = n2k8sTag(freshClone(repo.dir));
    expect(expected).toMatch(/^[0-9a-z]{32}$/);
    const tag = await withTmpdirInGit(repo, async () => {
      const result = await hash({ cwd: repo.dir, cache: false, source: { kind: 'index' } });
      return result.images[0]!.hash;
    });
    expect(tag).toBe(expected);
  });
});
