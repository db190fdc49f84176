import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { git } from './git.js';
import { inRepository, stateDirectory, type Repository } from './repository.js';

/** Paths of the files git tracks in the index, relative to the root. */
export async function trackedFiles(repository: Repository): Promise<string[]> {
  const output = await git(
    ['ls-files', '-z', '--cached'],
    inRepository(repository, { env: { GIT_INDEX_FILE: repository.indexFile } }),
  );
  return output.split('\0').filter((file) => file !== '');
}

/**
 * The tree that `git commit -a` would record now: tracked files with their working-tree content,
 * never untracked files. It is built in a copy of the index, so git's stat cache keeps it cheap
 * and the user's index is never touched.
 */
export async function worktreeTree(repository: Repository): Promise<string> {
  const state = stateDirectory(repository);
  await mkdir(state, { recursive: true });
  const index = path.join(state, `worktree-index-${process.pid}`);
  try {
    await copyFile(repository.indexFile, index).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // no index yet: nothing is tracked
    });
    const options = inRepository(repository, { env: { GIT_INDEX_FILE: index } });
    await git(['add', '--update', '--', '.'], options);
    return (await git(['write-tree'], options)).trim();
  } finally {
    await rm(index, { force: true });
  }
}

/**
 * Checks a tree out into `<git dir>/nixtag/trees/<slot>/<checkoutName>`, a directory with the
 * base name of CI's checkout (a `./.` source is stored under that name, so it is in the hash).
 * A separate index there makes `read-tree --reset -u` rewrite only files that changed and delete
 * the ones that went away.
 */
export async function materializeTree(
  repository: Repository,
  tree: string,
  slot: string,
  checkoutName: string,
): Promise<string> {
  const state = path.join(stateDirectory(repository), 'trees', slot);
  const workTree = path.join(state, checkoutName);
  await mkdir(workTree, { recursive: true });
  await git(['read-tree', '--reset', '-u', tree], {
    cwd: workTree,
    env: {
      GIT_DIR: repository.gitDir,
      GIT_WORK_TREE: workTree,
      GIT_INDEX_FILE: path.join(state, `${checkoutName}.index`),
    },
  });
  return workTree;
}
