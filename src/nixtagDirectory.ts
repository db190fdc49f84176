import { lstatSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * `<git dir>/nixtag`, where everything nixtag keeps between runs lives (per work tree: a linked
 * worktree has its own). `state/paths.ts` names the caches' paths under it, `tree/records.ts`
 * the judged trees' checkouts and records.
 */
export function nixtagDirectory(gitDir: string): string {
  return path.join(gitDir, 'nixtag');
}

/**
 * Makes sure `directory` (by default `root` itself) is a directory, and every directory between
 * it and `root`: a file or link left in the way (by hand, by a tool) is removed, as all of
 * nixtag's state can be rebuilt. Returns the directory.
 */
export function ensureDirectoryUnder(root: string, directory = root): string {
  try {
    mkdirSync(directory, { recursive: true });
    return directory;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
  }
  const steps = path.relative(root, directory).split(path.sep).filter(Boolean);
  for (let index = 0, current = root; index <= steps.length; current = path.join(current, steps[index++] ?? '')) {
    const stat = lstatSync(current, { throwIfNoEntry: false });
    if (stat !== undefined && !stat.isDirectory()) rmSync(current, { force: true });
  }
  mkdirSync(directory, { recursive: true });
  return directory;
}
