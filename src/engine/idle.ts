import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { exec } from '../exec.js';
import { runEnvironment } from '../state/environment.js';
import { isKnownGood, verdictKey } from '../state/verdicts.js';

/**
 * This work tree's git directory as a hook sees it, without running git: GIT_DIR when git set it,
 * else `.git` here (a directory, or a file naming one in a linked worktree). Undefined when
 * unsure; the caller then takes the full path. A wrong guess could only miss: verdicts are keyed
 * by content.
 */
function gitDirectory(cwd: string): string | undefined {
  if (process.env.GIT_DIR) return path.resolve(cwd, process.env.GIT_DIR);
  const dotGit = path.join(cwd, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const pointer = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    return pointer ? path.resolve(cwd, pointer[1]!.trim()) : undefined;
  } catch {
    return undefined;
  }
}

export interface IndexVerdict {
  good: boolean;
  /** The index's tree id, when it was written and found not yet judged: the hook goes on from it. */
  tree?: string | undefined;
}

/**
 * Whether the index git is about to commit was already judged up to date: one `git write-tree`
 * and a file read, the whole cost of an idle pre-commit hook beyond starting Node. Loads nothing
 * else, so that it can run before the command line is parsed.
 */
export async function indexVerdict(cwd: string): Promise<IndexVerdict> {
  const gitDir = gitDirectory(cwd);
  const environment = runEnvironment(undefined);
  if (gitDir === undefined || environment === undefined) return { good: false };
  const written = await exec('git', ['write-tree'], { cwd, env: process.env });
  if (written.failed) return { good: false };
  const tree = written.stdout.trim();
  return { good: isKnownGood(gitDir, verdictKey(tree, environment)), tree };
}
