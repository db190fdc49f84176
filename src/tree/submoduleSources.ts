import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { WITHOUT_USER_FILES } from './checkoutRepository.js';
import { git } from '../git/git.js';

/** Where the submodules of a repository keep their git directories on this machine. */
export interface SubmoduleHome {
  /**
   * The git directories that may hold `modules/<name>`, nearest first: the judged work tree's own
   * (`.git/worktrees/<name>` in a linked worktree), then the common dir.
   */
  gitDirs: readonly string[];
  /** The superproject's work tree, where a submodule's own `.git` (a gitfile, or old-style a directory) is. */
  workTree: string;
}

/** A submodule's git directory from its `.git` in a work tree: the directory, or where the gitfile points. */
function gitDirAt(dotGit: string): string | undefined {
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const pointer = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
    return pointer === undefined ? undefined : path.resolve(path.dirname(dotGit), pointer);
  } catch {
    return undefined; // not there
  }
}

/**
 * The git directories of a submodule on this machine, the one the work tree's own submodule uses
 * first (in a linked worktree, `.git/worktrees/<wt>/modules/<name>`, where `git submodule update`
 * run there fetched), then `modules/<name>` of each of the home's git directories.
 */
function localGitDirs(home: SubmoduleHome, name: string, file: string): string[] {
  const candidates = [
    gitDirAt(path.join(home.workTree, file, '.git')),
    ...home.gitDirs.map((gitDir) => path.join(gitDir, 'modules', name)),
  ];
  const found: string[] = [];
  for (const candidate of candidates) {
    if (candidate === undefined || found.includes(candidate)) continue;
    if (existsSync(path.join(candidate, 'objects'))) found.push(candidate);
  }
  return found;
}

/** Whether a git directory's object store holds a commit (asked of git, which also follows its alternates). */
function hasCommit(gitDir: string, oid: string): Promise<boolean> {
  return git(['cat-file', '-e', `${oid}^{commit}`], {
    cwd: gitDir,
    env: { ...WITHOUT_USER_FILES, GIT_DIR: gitDir },
  }).then(
    () => true,
    () => false,
  );
}

/**
 * Where this machine has a submodule's commit `oid`: the git directory that holds it, and the
 * home of the submodule's own submodules (every git directory of it found, that one first).
 * Undefined when none does.
 */
export async function submoduleSource(
  home: SubmoduleHome,
  name: string,
  file: string,
  oid: string,
): Promise<{ gitDir: string; home: SubmoduleHome } | undefined> {
  const gitDirs = localGitDirs(home, name, file);
  for (const gitDir of gitDirs) {
    if (await hasCommit(gitDir, oid)) {
      const nested = [gitDir, ...gitDirs.filter((other) => other !== gitDir)];
      return { gitDir, home: { gitDirs: nested, workTree: path.join(home.workTree, file) } };
    }
  }
  return undefined;
}
