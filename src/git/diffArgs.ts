/**
 * Every diff nixtag asks git for, as argument arrays: one place decides how a diff sees a tree.
 * Each lists a submodule whose recorded commit moved, even one marked `ignore = all`
 * (`--ignore-submodules=none`: CI's clone checks out the recorded commit all the same), and
 * none pairs a deletion with an addition as a rename (`--no-renames`: both paths changed).
 */

/** What a tree is compared with: the index, the working tree's tracked files, or a commit. */
export type DiffTarget = { kind: 'index' } | { kind: 'worktree' } | { kind: 'rev'; rev: string };

/** The paths (`--name-only -z`) that differ between `tree` and `target`. */
export function changedPathsArgs(tree: string, target: DiffTarget): string[] {
  const names = ['--ignore-submodules=none', '--no-renames', '--name-only', '-z'];
  if (target.kind === 'rev') return ['diff-tree', '-r', ...names, tree, target.rev];
  return ['diff-index', ...(target.kind === 'index' ? ['--cached'] : []), ...names, tree];
}

/**
 * The paths the index (or the working tree) deleted since HEAD, the old name of a rename
 * included. Fails without a HEAD (a first commit).
 */
export function deletedSinceHeadArgs(target: 'index' | 'worktree'): string[] {
  const cached = target === 'index' ? ['--cached'] : [];
  return [
    'diff-index',
    ...cached,
    '--ignore-submodules=none',
    '--no-renames',
    '--name-only',
    '-z',
    '--diff-filter=D',
    'HEAD',
    '--',
  ];
}

/**
 * The index's changes since `base`, as raw records (tree/rawDiff.ts). A file only intended to be
 * added (`git add -N`) is left out, as `git write-tree` and so the commit leave it out (git's
 * diff would list it as an empty file).
 */
export function indexChangesArgs(base: string): string[] {
  return [
    'diff-index',
    '--cached',
    '--ita-invisible-in-index',
    '--ignore-submodules=none',
    '-r',
    '-z',
    '--no-renames',
    base,
  ];
}

/** The changes from one tree to another, as raw records (tree/rawDiff.ts). */
export function treeChangesArgs(from: string, to: string): string[] {
  return ['diff-tree', '-r', '-z', '--ignore-submodules=none', '--no-renames', from, to];
}

/** The paths a `--name-only -z` diff names. */
export function pathsOf(output: string): string[] {
  return output.split('\0').filter((file) => file !== '');
}
