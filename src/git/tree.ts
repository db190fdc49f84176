import { copyFile, mkdir, rm, rmdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkoutRecord } from '../state/checkoutRecord.js';
import { ensureStateDirectory, statePaths } from '../state/paths.js';
import { readBlobs } from './blobs.js';
import { git } from './git.js';
import { inRepository, type Repository } from './repository.js';
import { changesSinceFor, slotOf, type JudgedTree } from './source.js';

/**
 * The tree that `git commit -a` would record now: tracked files with their working-tree content,
 * never untracked files. It is built in a copy of the index, so git's stat cache keeps it cheap
 * and the user's index is never touched.
 */
export async function worktreeTree(repository: Repository): Promise<string> {
  const paths = statePaths(repository.gitDir);
  ensureStateDirectory(repository.gitDir);
  const index = paths.scratchIndex(process.pid);
  try {
    const copied = await copyFile(repository.indexFile, index).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error; // no index yet: nothing is tracked
        return false;
      },
    );
    // The copy keeps the index's own time: git takes an entry whose stat data matches as
    // unchanged unless it is as new as the index ("racily clean"), and a newer copy would hide
    // an edit of the same size made in the second the file was staged.
    if (copied) {
      const { atime, mtime } = await stat(repository.indexFile);
      await utimes(index, atime, mtime);
    }
    const options = inRepository(repository, { env: { GIT_INDEX_FILE: index } });
    await git(['add', '--update', '--', '.'], options);
    return (await git(['write-tree'], options)).trim();
  } finally {
    await rm(index, { force: true });
  }
}

/** Checkouts still writing, and tree ids still being recorded after a checkout returned. */
const pendingRecords = new Set<Promise<unknown>>();

/**
 * Waits until every checkout of this process is complete and has recorded its tree, whether or
 * not anyone awaited it: before letting go of the lock, so that no other run sees it half done.
 */
export async function settleCheckouts(): Promise<void> {
  while (pendingRecords.size > 0) {
    const pending = [...pendingRecords];
    pendingRecords.clear();
    await Promise.allSettled(pending);
  }
}

/** One record of `git diff-tree -r -z` / `git diff-index -r -z`. */
interface Change {
  mode: string;
  oid: string;
  status: string;
  path: string;
}

function parseRawDiff(raw: string): Change[] {
  const fields = raw.split('\0');
  const changes: Change[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const header = fields[index]!;
    if (!header.startsWith(':')) break;
    const [, newMode = '', , newOid = '', status = ''] = header.slice(1).split(' ');
    changes.push({ mode: newMode, oid: newOid, status: status.charAt(0), path: fields[index + 1]! });
  }
  return changes;
}

async function removeEmptyParents(root: string, file: string): Promise<void> {
  for (let directory = path.dirname(file); directory !== '.'; directory = path.dirname(directory)) {
    try {
      await rmdir(path.join(root, directory));
    } catch {
      return; // not empty, or already gone
    }
  }
}

/** Applies a diff to a checked-out tree: deletions first (a file may become a directory), then the rest. */
async function applyChanges(repository: Repository, workTree: string, changes: Change[]): Promise<void> {
  for (const change of changes.filter((entry) => entry.status === 'D')) {
    await rm(path.join(workTree, change.path), { force: true, recursive: true });
    await removeEmptyParents(workTree, change.path);
  }
  const written = changes.filter((entry) => entry.status !== 'D');
  const blobs = await readBlobs(
    repository,
    written.filter((entry) => entry.mode !== '160000').map((entry) => entry.oid),
  );
  for (const change of written) {
    const file = path.join(workTree, change.path);
    await mkdir(path.dirname(file), { recursive: true });
    await rm(file, { force: true, recursive: true });
    if (change.mode === '160000')
      await mkdir(file, { recursive: true }); // a submodule: an empty directory, as in a plain clone
    else if (change.mode === '120000') await symlink(blobs.get(change.oid)!.toString('utf8'), file);
    else await writeFile(file, blobs.get(change.oid)!, { mode: change.mode === '100755' ? 0o755 : 0o644 });
  }
}

/**
 * Checks a tree out into `<git dir>/nixtag/trees/<slot>/<checkoutName>`, a directory with the
 * base name of CI's checkout (a `./.` source is stored under that name, so it is in the hash).
 * After the first full checkout only what changed since the tree checked out last is written:
 * for the index the changes come from `git diff-index --cached`, which does not wait for the
 * tree id, otherwise from `git diff-tree` between the two trees; the contents from one
 * `git cat-file --batch`. The checkout record (state/checkoutRecord.ts) makes an interrupted
 * update start again from a full checkout.
 */
export function materializeTree(repository: Repository, tree: JudgedTree, checkoutName: string): Promise<string> {
  const work = checkOut(repository, tree, checkoutName);
  pendingRecords.add(work);
  return work;
}

/** A pause inside an update, for tests that reproduce a race (NIXTAG_TEST_PAUSE_CHECKOUT_MS). */
async function testPause(): Promise<void> {
  const ms = Number(process.env.NIXTAG_TEST_PAUSE_CHECKOUT_MS);
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

async function checkOut(repository: Repository, tree: JudgedTree, checkoutName: string): Promise<string> {
  const state = statePaths(repository.gitDir).slot(slotOf(tree.source));
  const checkout = checkoutRecord(state, checkoutName);
  const { workTree } = checkout;
  const previous = checkout.trusted();

  if (previous !== undefined) {
    // What changed is asked for first and the tree id only once the files are written: for the
    // index it is not on the path to them (after `git add`, write-tree rewrites the whole index).
    // Until the id is recorded the marker stays, so a run that starts in between starts over.
    const changesSince = changesSinceFor(repository, tree.source);
    const diff =
      changesSince?.(previous) ??
      tree
        .id()
        .then((id) =>
          id === previous ? '' : git(['diff-tree', '-r', '-z', '--no-renames', previous, id], inRepository(repository)),
        );
    const changes = parseRawDiff(await diff);
    if (changes.length === 0) return workTree;
    await checkout.beginUpdate(previous);
    await testPause();
    await applyChanges(repository, workTree, changes);
    pendingRecords.add(
      tree
        .id()
        .then((id) => checkout.complete(id))
        .catch(() => undefined), // the marker stays: the next run starts over
    );
    return workTree;
  }

  const id = await tree.id();
  // Whatever is in the way of the slot (a file where a directory belongs) goes: it is rebuilt.
  ensureStateDirectory(repository.gitDir, state);
  await checkout.beginUpdate(id);
  await rm(workTree, { recursive: true, force: true });
  await mkdir(workTree, { recursive: true });
  const index = path.join(state, `${checkoutName}.index`);
  await rm(index, { force: true });
  await git(['read-tree', '--reset', '-u', id], {
    cwd: workTree,
    env: { GIT_DIR: repository.gitDir, GIT_WORK_TREE: workTree, GIT_INDEX_FILE: index },
  });
  await rm(index, { force: true });
  await checkout.complete(id);
  return workTree;
}
