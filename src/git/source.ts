import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { ensureStateDirectory, statePaths } from '../state/paths.js';
import { git } from './git.js';
import { OBJECT_ID } from './looseObjects.js';
import { inRepository, type Repository } from './repository.js';
import { worktreeTree } from './tree.js';
import { parseRawDiff } from './treeChanges.js';
import { treeWithChanges } from './treeObjects.js';

/**
 * Which tree is judged: the tracked files of the working tree, the index (what `git commit` will
 * record), or a commit (what `git push` sends).
 */
export type TreeSource = { kind: 'worktree' } | { kind: 'index' } | { kind: 'rev'; rev: string };

/** Where each kind of tree is checked out, so that they do not undo each other's incremental work. */
export function slotOf(source: TreeSource): string {
  return source.kind;
}

/**
 * A tree to judge: where it comes from, and its id, asked of git once and only when first
 * needed. For the index, also what changed since a given tree, asked once per tree: the id and
 * the checkout's update both build on that diff (see tree.ts).
 */
export interface JudgedTree {
  source: TreeSource;
  id(): Promise<string>;
  changesSince?: (base: string) => Promise<string>;
}

/** The judged tree of `source`; `known` is its id when the caller has it already (a hook's idle check). */
export function judgedTree(repository: Repository, source: TreeSource, known?: string): JudgedTree {
  let resolving: Promise<string> | undefined;
  const changesSince = source.kind === 'index' ? indexChanges(repository) : undefined;
  const resolve = () =>
    known !== undefined
      ? Promise.resolve(known)
      : changesSince !== undefined
        ? indexTree(repository, changesSince)
        : resolveTree(repository, source);
  return { source, id: () => (resolving ??= resolve()), ...(changesSince ? { changesSince } : {}) };
}

/**
 * The index's tree id. From the last one (remembered under .git/nixtag: any tree git has serves
 * as the base, a wrong or lost one only costs time) and the diff against it when the trees on
 * the changed paths are at hand (git/treeObjects.ts); from `git write-tree` otherwise.
 */
async function indexTree(repository: Repository, changesSince: (base: string) => Promise<string>): Promise<string> {
  const memo = statePaths(repository.gitDir).indexTree;
  const base = readTreeMemo(memo);
  let id: string | undefined;
  if (base !== undefined) {
    const raw = await changesSince(base).catch(() => undefined);
    const objects = path.join(repository.commonDir, 'objects');
    try {
      id = raw === undefined ? undefined : treeWithChanges(objects, base, parseRawDiff(raw));
    } catch {
      id = undefined; // an object store this process cannot write: git says why, if it cannot either
    }
  }
  id ??= await resolveTree(repository, { kind: 'index' });
  if (id !== base) writeTreeMemo(repository, memo, id);
  return id;
}

function readTreeMemo(file: string): string | undefined {
  try {
    const id = readFileSync(file, 'utf8').trim();
    return OBJECT_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

function writeTreeMemo(repository: Repository, file: string, id: string): void {
  try {
    ensureStateDirectory(repository.gitDir);
    writeFileSync(`${file}.${process.pid}.tmp`, `${id}\n`);
    renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    // only a hint for the next run
  }
}

/** The git tree id of a source. */
export async function resolveTree(repository: Repository, source: TreeSource): Promise<string> {
  switch (source.kind) {
    case 'worktree':
      return worktreeTree(repository);
    case 'index':
      try {
        // The tree `git commit` would record, from the index git uses now (GIT_INDEX_FILE).
        return (
          await git(['write-tree'], inRepository(repository, { env: { GIT_INDEX_FILE: repository.indexFile } }))
        ).trim();
      } catch (error) {
        if (error instanceof NixtagError && /unmerged|conflict/i.test(error.detail ?? '')) {
          throw new NixtagError('GIT_FAILED', messages.unmergedIndex(), {
            hint: messages.unmergedIndexHint(),
            cause: error,
          });
        }
        throw error;
      }
    case 'rev':
      try {
        return (
          await git(
            ['rev-parse', '--verify', '--quiet', '--end-of-options', `${source.rev}^{tree}`],
            inRepository(repository),
          )
        ).trim();
      } catch (error) {
        throw new NixtagError('REVISION_NOT_FOUND', messages.revisionNotFound(source.rev), {
          hint: messages.revisionNotFoundHint(),
          cause: error,
        });
      }
  }
}

/**
 * The commit a source names, when it names one (`--rev`, a pushed ref): the checkout's HEAD is
 * that commit, as in CI's clone. The index and the working tree are not committed yet.
 */
export async function judgedCommit(repository: Repository, source: TreeSource): Promise<string | undefined> {
  if (source.kind !== 'rev') return undefined;
  const args = ['rev-parse', '--verify', '--quiet', '--end-of-options', `${source.rev}^{commit}`];
  return (await git(args, inRepository(repository))).trim();
}

export interface TreeEntry {
  mode: string;
  oid: string;
  path: string;
}

/**
 * A tree's entries, recursively: its files (blobs, with their modes) and apart from them its
 * gitlinks (mode 160000, a submodule's path and the commit recorded for it), which are never
 * files (no manifest, no configuration) but are inputs of whatever lies at or under them.
 */
export interface TreeListing {
  files: TreeEntry[];
  gitlinks: TreeEntry[];
}

/** Every file and gitlink of a tree (recursively), with its mode and object id. */
export async function listTree(repository: Repository, tree: string): Promise<TreeListing> {
  const output = await git(['ls-tree', '-r', '-z', '--full-tree', tree], inRepository(repository));
  const listing: TreeListing = { files: [], gitlinks: [] };
  for (const record of output.split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode = '', type = '', oid = ''] = record.slice(0, tab).split(' ');
    const entry = { mode, oid, path: record.slice(tab + 1) };
    if (type === 'blob') listing.files.push(entry);
    else if (type === 'commit') listing.gitlinks.push(entry);
  }
  return listing;
}

/**
 * For the index, what changed since a given tree, from `git diff-index --cached` (no write-tree
 * needed), asked once per tree. A file only intended to be added (`git add -N`) is left out, as
 * `git write-tree` and so the commit leave it out (git's diff would list it as an empty file). A
 * submodule the repository says to ignore (`submodule.<name>.ignore = all`) is not ignored: CI's
 * clone checks out the commit recorded for it all the same.
 */
function indexChanges(repository: Repository): (base: string) => Promise<string> {
  const asked = new Map<string, Promise<string>>();
  return (base) => {
    let diff = asked.get(base);
    if (diff === undefined) {
      diff = git(
        [
          'diff-index',
          '--cached',
          '--ita-invisible-in-index',
          '--ignore-submodules=none',
          '-r',
          '-z',
          '--no-renames',
          base,
        ],
        inRepository(repository, { env: { GIT_INDEX_FILE: repository.indexFile } }),
      );
      asked.set(base, diff);
    }
    return diff;
  };
}
