import { statSync } from 'node:fs';
import path from 'node:path';

/** A PATH argument (as lint-staged passes them) as the skip decision sees it. */
export type GivenPath =
  | { kind: 'missing' }
  /** It may hold anything: it always matters. */
  | { kind: 'directory'; path: string }
  /** Outside the repository: it can change nothing. */
  | { kind: 'outside' }
  | { kind: 'file'; path: string };

/** `given` (relative to `cwd`, or absolute) as a repository path, '/'-separated; `..` leads out of it. */
export function repositoryPath(root: string, cwd: string, given: string): string {
  return path.relative(root, path.resolve(cwd, given)).split(path.sep).join('/');
}

/** What each PATH argument is, from the file system alone (no git). */
export function givenPaths(root: string, cwd: string, paths: readonly string[]): GivenPath[] {
  return paths.map((given): GivenPath => {
    const stat = statSync(path.resolve(cwd, given), { throwIfNoEntry: false });
    if (stat === undefined) return { kind: 'missing' };
    const file = repositoryPath(root, cwd, given);
    if (file.startsWith('..')) return { kind: 'outside' };
    return stat.isDirectory() ? { kind: 'directory', path: file } : { kind: 'file', path: file };
  });
}
