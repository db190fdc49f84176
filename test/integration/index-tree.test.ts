import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openRepository } from '../../src/git/repository.js';
import { judgedTree } from '../../src/tree/judgedTree.js';
import { treeRecords } from '../../src/tree/records.js';
import { gitRepo, tempDir, testEnv, type TestRepo } from '../helpers/repo.js';

/*
 * The index's tree id is derived from the last one and `git diff-index` (tree/treeFromDiff.ts)
 * instead of `git write-tree`: it must be write-tree's id exactly, with every tree it names
 * stored, whatever the index holds.
 */

/** Names that sort around a directory's implicit `/`, with spaces, case and non-ASCII. */
const NAMES = ['a', 'a-b', 'a.b', 'a0', 'A', 'b', 'sp ace', 'é', 'z', '[a]*'];
const PATHS = NAMES.flatMap((first) => [
  first,
  ...['a', 'a.b', 'é'].flatMap((second) => [`${first}/${second}`, `${first}/${second}/a`]),
]);

type Edit =
  | { kind: 'write'; file: string; content: string; executable: boolean }
  | { kind: 'symlink'; file: string }
  | { kind: 'remove'; file: string }
  | { kind: 'intent'; file: string }
  | { kind: 'gitlink'; file: string }
  | { kind: 'gc' };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      file: fc.constantFrom(...PATHS),
      content: fc.string({ maxLength: 3 }),
      executable: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('symlink' as const), file: fc.constantFrom(...PATHS) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('remove' as const), file: fc.constantFrom(...PATHS, ...NAMES) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('intent' as const), file: fc.constantFrom(...PATHS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gitlink' as const), file: fc.constantFrom(...PATHS) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'gc' as const }) },
);

/** Applies an edit to the index (through the work tree, as a user's `git add` does). */
function apply(repo: TestRepo, change: Edit): void {
  if (change.kind === 'gc') {
    repo.git('gc', '--quiet'); // packs the trees the next id would be derived from
    return;
  }
  const file = path.join(repo.dir, change.file);
  // Whatever is in the way (a file where a directory belongs, or the other way) goes first.
  repo.git('rm', '-r', '--cached', '--quiet', '--ignore-unmatch', '--', change.file);
  const parts = change.file.split('/');
  for (let depth = 1; depth < parts.length; depth++) {
    const parent = parts.slice(0, depth).join('/');
    repo.git('update-index', '--force-remove', '--', parent); // a file or gitlink of that name
    const stat = lstatSync(path.join(repo.dir, parent), { throwIfNoEntry: false });
    if (stat !== undefined && !stat.isDirectory()) rmSync(path.join(repo.dir, parent), { force: true });
  }
  rmSync(file, { recursive: true, force: true });
  if (change.kind === 'remove') return;
  mkdirSync(path.dirname(file), { recursive: true });
  if (change.kind === 'gitlink') {
    const commit = repo.git('rev-parse', 'HEAD').trim();
    repo.git('update-index', '--add', '--cacheinfo', `160000,${commit},${change.file}`);
    return;
  }
  if (change.kind === 'symlink') symlinkSync('target', file);
  else
    writeFileSync(file, change.kind === 'write' ? change.content : '', {
      mode: change.kind === 'write' && change.executable ? 0o755 : 0o644,
    });
  repo.git('add', ...(change.kind === 'intent' ? ['--intent-to-add'] : []), '--', change.file);
}

/** nixtag's id for the index is write-tree's, and every tree it names was stored before git wrote any. */
async function expectWriteTreeId(repo: TestRepo): Promise<void> {
  const repository = await openRepository(repo.dir);
  const ours = await judgedTree(repository, { kind: 'index' }).id();
  repo.git('ls-tree', '-r', '-t', '--full-tree', ours); // fails on a missing object
  expect(ours).toBe(repo.git('write-tree').trim());
}

describe("the index's tree id, derived from the last one", () => {
  it("is git write-tree's after any sequence of index changes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(edit, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        async (rounds) => {
          const repo = gitRepo({ 'a/a': 'first\n', b: 'b\n', 'é/a.b/a': 'deep\n' });
          await expectWriteTreeId(repo); // the first id: write-tree's, remembered as the next base
          for (const round of rounds) {
            for (const change of round) apply(repo, change);
            await expectWriteTreeId(repo);
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 600_000); // 25 repositories and hundreds of git runs

  it('is the tree of the objects as they are, whatever git replace says of the last one', async () => {
    const repo = gitRepo({ 'app/main.txt': 'v1\n', 'b.txt': 'b\n' });
    await expectWriteTreeId(repo);
    const base = repo.git('rev-parse', 'HEAD^{tree}').trim();
    repo.write({ 'app/main.txt': 'v2\n' });
    repo.git('add', 'app');
    repo.git('replace', base, repo.git('write-tree').trim());
    repo.write({ 'app/x': 'x\n' });
    repo.git('add', 'app');
    const repository = await openRepository(repo.dir);
    const ours = await judgedTree(repository, { kind: 'index' }).id();
    expect(ours).toBe(repo.git('-c', 'core.useReplaceRefs=false', 'write-tree').trim());
  });

  it('is derived without git write-tree when the last tree is at hand, and by it when not', async () => {
    const repo = gitRepo({ 'dir/a.txt': 'a\n', 'other/b.txt': 'b\n' });
    await expectWriteTreeId(repo);
    repo.write({ 'dir/a.txt': 'changed\n' });
    repo.git('add', 'dir/a.txt');
    const repository = await openRepository(repo.dir);
    const traced = path.join(repo.dir, '..', 'trace');
    process.env.GIT_TRACE = traced;
    try {
      await judgedTree(repository, { kind: 'index' }).id();
    } finally {
      delete process.env.GIT_TRACE;
    }
    expect(execFileSync('cat', [traced], { encoding: 'utf8' })).not.toContain('write-tree');
    // Nothing staged since: the last tree itself, without write-tree.
    rmSync(traced);
    process.env.GIT_TRACE = traced;
    try {
      expect(await judgedTree(repository, { kind: 'index' }).id()).toBe(repo.git('write-tree').trim());
    } finally {
      delete process.env.GIT_TRACE;
    }
    expect(execFileSync('cat', [traced], { encoding: 'utf8' })).not.toContain('write-tree');
    // A lost or wrong base costs a write-tree, never a wrong id.
    writeFileSync(treeRecords(repository.gitDir).indexTree, `${'1'.repeat(40)}\n`);
    repo.write({ 'other/b.txt': 'changed\n' });
    repo.git('add', 'other/b.txt');
    await expectWriteTreeId(repo);
  });
});

/** A change made in the work tree only, as an editor or a shell makes it, never staged. */
type WorktreeEdit =
  | { kind: 'write'; file: string; content: string; executable: boolean }
  | { kind: 'symlink'; file: string }
  | { kind: 'remove'; file: string }
  | { kind: 'chmod'; file: string }
  | { kind: 'touch'; file: string };

const worktreeEdit: fc.Arbitrary<WorktreeEdit> = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    file: fc.constantFrom(...PATHS, 'untracked', 'sp ace/[x]*'),
    content: fc.string({ maxLength: 3 }),
    executable: fc.boolean(),
  }),
  fc.record({
    kind: fc.constantFrom('symlink' as const, 'remove' as const, 'chmod' as const, 'touch' as const),
    file: fc.constantFrom(...PATHS),
  }),
);

function applyInWorktree(repo: TestRepo, change: WorktreeEdit): void {
  const file = path.join(repo.dir, change.file);
  // A file where a parent directory belongs: the edit is not one this tree can take.
  const parents = change.file.split('/').slice(0, -1);
  for (let depth = 1; depth <= parents.length; depth++) {
    const parent = lstatSync(path.join(repo.dir, ...parents.slice(0, depth)), { throwIfNoEntry: false });
    if (parent !== undefined && !parent.isDirectory()) return;
  }
  const stat = lstatSync(file, { throwIfNoEntry: false });
  if (change.kind === 'chmod' || change.kind === 'touch') {
    if (stat === undefined || !stat.isFile()) return;
    if (change.kind === 'chmod') execFileSync('chmod', [stat.mode & 0o100 ? '-x' : '+x', file]);
    else execFileSync('touch', [file]); // new stat data, the same content
    return;
  }
  if (stat?.isDirectory() && change.kind !== 'remove') return; // a directory stays one
  rmSync(file, { recursive: true, force: true });
  if (change.kind === 'remove') return;
  mkdirSync(path.dirname(file), { recursive: true });
  if (change.kind === 'symlink') symlinkSync('elsewhere', file);
  else writeFileSync(file, change.content, { mode: change.executable ? 0o755 : 0o644 });
}

/** The tree `git commit -a` records, in a copy of the repository (the oracle, independent of nixtag). */
function commitAllTree(repo: TestRepo): string {
  const copy = path.join(tempDir('commit-a-'), 'copy');
  execFileSync('cp', ['-a', repo.dir, copy]);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: copy, env: testEnv(), encoding: 'utf8' });
  git('commit', '--quiet', '--all', '--allow-empty', '--no-verify', '-m', 'all');
  return git('rev-parse', 'HEAD^{tree}').trim();
}

describe("the working tree's tree id", () => {
  it('is the tree `git commit -a` records, whatever the index and the work tree hold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(edit, { maxLength: 3 }),
        fc.array(worktreeEdit, { maxLength: 5 }),
        async (staged, unstaged) => {
          const repo = gitRepo({ 'a/a': 'first\n', b: 'b\n', 'é/a.b/a': 'deep\n' });
          for (const change of staged) apply(repo, change);
          for (const change of unstaged) applyInWorktree(repo, change);
          const repository = await openRepository(repo.dir);
          const index = repo.git('write-tree').trim();
          const ours = await judgedTree(repository, { kind: 'worktree' }).id();
          repo.git('ls-tree', '-r', '-t', '--full-tree', ours); // fails on a missing object
          expect(ours).toBe(commitAllTree(repo));
          // The user's index is never touched.
          expect(repo.git('write-tree').trim()).toBe(index);
        },
      ),
      { numRuns: 40 },
    );
  }, 600_000);
});
