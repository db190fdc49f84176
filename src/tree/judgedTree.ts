import { copyFile, mkdir, rm, stat, utimes } from 'node:fs/promises';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { indexChangesArgs } from '../git/diffArgs.js';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { messages } from '../messages.js';
import { OBJECT_ID } from './looseObjects.js';
import { listTree } from './listing.js';
import { parseRawDiff } from './rawDiff.js';
import { treeRecords } from './records.js';
import type { JudgedTree, TreeSource } from './source.js';
import { treeWithChanges } from './treeFromDiff.js';
import { awaitedLater, orSlowPath } from '../promises.js';

/** The judged tree of `source`; `known` is its id when the caller has it already (a hook's idle check). */
export function judgedTree(repository: Repository, source: TreeSource, known?: string): JudgedTree {
  let resolving: Promise<string> | undefined;
  const changesSince = source.kind === 'index' ? indexDiff(repository) : undefined;
  const resolve = () =>
    known !== undefined
      ? Promise.resolve(known)
      : changesSince !== undefined
        ? indexTree(repository, changesSince)
        : source.kind === 'worktree'
          ? worktreeTree(repository)
          : resolveTree(repository, source);
  return { source, id: () => (resolving ??= resolve()), ...(changesSince ? { changesSince } : {}) };
}

/**
 * The index's tree id. From the last one (remembered under .git/nixtag: any tree git has serves
 * as the base, a wrong or lost one only costs time) and the diff against it when the trees on
 * the changed paths are at hand (tree/treeFromDiff.ts); from `git write-tree` otherwise.
 */
async function indexTree(repository: Repository, changesSince: (base: string) => Promise<string>): Promise<string> {
  const memo = treeRecords(repository.gitDir).indexTree;
  const base = readTreeMemo(memo);
  let id: string | undefined;
  if (base !== undefined) {
    const raw = await orSlowPath(changesSince(base), undefined);
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
    treeRecords(repository.gitDir).ensure(path.dirname(file));
    writeFileSync(`${file}.${process.pid}.tmp`, `${id}\n`);
    renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    // only a hint for the next run
  }
}

/** The git tree id of a source. */
async function resolveTree(repository: Repository, source: TreeSource): Promise<string> {
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
 * The tree that `git commit -a` would record now: tracked files with their working-tree content,
 * never untracked files. `git diff-files` finds the tracked paths whose content differs from the
 * index (one stat of every tracked file, which no git command avoids); none, and it is the
 * index's tree, from its memo. Otherwise those paths alone are staged in a copy of the index, so
 * git's stat cache keeps it cheap and the user's index is never touched.
 */
async function worktreeTree(repository: Repository): Promise<string> {
  // The index's tree and its listing meanwhile: the stat takes most of the time, and this tree
  // is often the answer (tree/listing.ts keeps the listing for the session).
  const index = awaitedLater(indexTree(repository, indexDiff(repository)));
  void index.then(
    (id) => void awaitedLater(listTree(repository, id)),
    () => undefined,
  );
  const changed = await git(
    ['diff-files', '--name-only', '-z', '--ignore-submodules=none'],
    inRepository(repository, { env: { GIT_INDEX_FILE: repository.indexFile } }),
  );
  if (changed === '') return index;
  await orSlowPath(index, undefined); // not needed now: only its git has to be done
  const records = treeRecords(repository.gitDir);
  await mkdir(path.dirname(records.scratchIndex(process.pid)), { recursive: true });
  const scratch = records.scratchIndex(process.pid);
  try {
    await copyFile(repository.indexFile, scratch);
    // The copy keeps the index's own time: git takes an entry whose stat data matches as
    // unchanged unless it is as new as the index ("racily clean"), and a newer copy would hide
    // an edit of the same size made in the second the file was staged.
    const { atime, mtime } = await stat(repository.indexFile);
    await utimes(scratch, atime, mtime);
    const options = inRepository(repository, { env: { GIT_INDEX_FILE: scratch, GIT_LITERAL_PATHSPECS: '1' } });
    await git(['add', '--update', '--pathspec-from-file=-', '--pathspec-file-nul'], { ...options, input: changed });
    return (await git(['write-tree'], options)).trim();
  } finally {
    await rm(scratch, { force: true });
  }
}

/**
 * For the index, what changed since a given tree, from `git diff-index --cached` (no write-tree
 * needed; git/diffArgs.ts says how it sees intent-to-add files and submodules), asked once per
 * tree.
 */
function indexDiff(repository: Repository): (base: string) => Promise<string> {
  const asked = new Map<string, Promise<string>>();
  return (base) => {
    let diff = asked.get(base);
    if (diff === undefined) {
      diff = git(indexChangesArgs(base), inRepository(repository, { env: { GIT_INDEX_FILE: repository.indexFile } }));
      asked.set(base, diff);
    }
    return diff;
  };
}
