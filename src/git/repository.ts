import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { git, type GitOptions } from './git.js';

export interface Repository {
  /** Top of the work tree. */
  root: string;
  /** This work tree's git dir (`.git`, or `.git/worktrees/<name>` in a linked worktree). */
  gitDir: string;
  /** The index git uses now: GIT_INDEX_FILE as a hook sees it, resolved to an absolute path. */
  indexFile: string;
  /** Where the objects are: the main repository's git dir, also from a linked worktree. */
  commonDir: string;
}

/**
 * Finds the repository around `cwd`, reading GIT_DIR, GIT_WORK_TREE and GIT_INDEX_FILE as the
 * calling git set them (relative paths resolve against the hook's working directory) so that
 * later commands can run anywhere with explicit, absolute paths.
 */
export async function openRepository(cwd: string): Promise<Repository> {
  let output: string;
  try {
    output = await git(
      ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-path', 'index', '--git-common-dir'],
      {
        cwd,
        inherit: true,
      },
    );
  } catch (error) {
    if (error instanceof NixtagError && /not a git repository/i.test(error.detail ?? '')) {
      throw new NixtagError('NOT_A_REPOSITORY', messages.notARepository(cwd), {
        hint: messages.notARepositoryHint(),
        cause: error,
      });
    }
    throw error;
  }
  const [root = '', gitDir = '', index = '', common = ''] = output.split('\n');
  return { root, gitDir, indexFile: path.resolve(cwd, index), commonDir: path.resolve(cwd, common) };
}

/** Options for a git command on this repository's own work tree and index. */
export function inRepository(repository: Repository, extra: Partial<GitOptions> = {}): GitOptions {
  return {
    ...extra,
    cwd: repository.root,
    env: { GIT_DIR: repository.gitDir, GIT_WORK_TREE: repository.root, ...extra.env },
  };
}
