import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** A PATH argument (as lint-staged passes them) as the skip decision sees it. */
export type GivenPath =
  | { kind: 'missing' }
  /** It may hold anything: it always matters. */
  | { kind: 'directory'; path: string }
  /** Outside the repository: the full run refuses it (PATH_OUTSIDE_REPOSITORY). */
  | { kind: 'outside' }
  | { kind: 'file'; path: string };

/** Where `file` really is; itself when it cannot be resolved. */
function real(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * `given` (relative to `cwd`, or absolute) as a repository path, '/'-separated; `..` leads out of
 * it. Compared as the file system resolves it: `$PWD/app/main.txt` in a shell whose working
 * directory is spelt through a symlink (`/home -> /export/home`) is the repository's file. A
 * directory is its real path; a file keeps its own name (a tracked symlink is the path git
 * tracks), in the real path of its directory.
 */
export function repositoryPath(root: string, cwd: string, given: string, directory = false): string {
  const absolute = path.resolve(cwd, given);
  const resolved = directory ? real(absolute) : path.join(real(path.dirname(absolute)), path.basename(absolute));
  return path.relative(real(root), resolved).split(path.sep).join('/');
}

/** What each PATH argument is, from the file system alone (no git). */
export function givenPaths(root: string, cwd: string, paths: readonly string[]): GivenPath[] {
  return paths.map((given): GivenPath => {
    const stat = statSync(path.resolve(cwd, given), { throwIfNoEntry: false });
    if (stat === undefined) return { kind: 'missing' };
    const file = repositoryPath(root, cwd, given, stat.isDirectory());
    if (file.startsWith('..') || path.isAbsolute(file)) return { kind: 'outside' };
    return stat.isDirectory() ? { kind: 'directory', path: file } : { kind: 'file', path: file };
  });
}
