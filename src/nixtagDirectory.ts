import { lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Repositories whose state this process keeps apart (CI mode), by git directory. */
const fresh = new Map<string, string>();

/**
 * `<git dir>/nixtag`, where everything nixtag keeps between runs lives (per work tree: a linked
 * worktree has its own). `state/paths.ts` names the caches' paths under it, `tree/records.ts`
 * the judged trees' checkouts and records.
 */
export function nixtagDirectory(gitDir: string): string {
  return fresh.get(gitDir) ?? path.join(gitDir, 'nixtag');
}

/**
 * CI mode trusts nothing kept under `<git dir>/nixtag` (an earlier step of a pipeline, running
 * the repository's code, may have written it): this process keeps its state in a new directory
 * of its own instead (`<git dir>/nixtag-ci-XXXXXX/nixtag`, made by mkdtemp, so nothing was there
 * before, and runs beside it do not meet). The function returned removes it.
 */
export function useFreshNixtagDirectory(gitDir: string): () => void {
  const parent = mkdtempSync(path.join(gitDir, 'nixtag-ci-'));
  fresh.set(gitDir, path.join(parent, 'nixtag'));
  return () => {
    fresh.delete(gitDir);
    rmSync(parent, { recursive: true, force: true });
  };
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
