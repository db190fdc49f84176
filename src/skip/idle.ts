import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { askGit, askGitSearch } from '../git/process.js';
import { runEnvironment } from '../state/environment.js';
import { skipAnswer, type SkipAnswer, type SkipQuestion } from './decide.js';
import { lastJudgement } from './lastJudgement.js';

/**
 * The idle answer: a command with nothing to do (an idle hook, lint-staged's call on a tree whose
 * inputs did not change) is answered before the command-line parser, the configuration, YAML or
 * Nix load, by the skip decision and one `git diff-index`. Loads nothing else.
 */

/**
 * `hook pre-commit|pre-merge-commit [--check|--fix]`, `check --staged [PATH...]` and
 * `check [PATH...]`, and nothing else.
 */
function idleQuestion(argv: readonly string[]): SkipQuestion | undefined {
  if (argv[0] === 'hook' && (argv[1] === 'pre-commit' || argv[1] === 'pre-merge-commit')) {
    const modes = argv.slice(2);
    return modes.every((arg) => arg === '--check' || arg === '--fix') && modes.length <= 1
      ? { source: { kind: 'index' }, paths: [], acceptsGood: true }
      : undefined;
  }
  if (argv[0] !== 'check') return undefined;
  const rest = argv.slice(1);
  const staged = rest.includes('--staged');
  const paths = rest.filter((arg) => arg !== '--staged');
  if (paths.some((arg) => arg.startsWith('-'))) return undefined;
  return { source: { kind: staged ? 'index' : 'worktree' }, paths, acceptsGood: true };
}

/**
 * The work tree's root and git directory as a hook or lint-staged sees them, without running git:
 * only where `cwd` holds `.git` (a directory, or a file naming one in a linked worktree) and git
 * set no GIT_DIR. Undefined otherwise; the caller then takes the full path.
 */
function repositoryHere(cwd: string): { root: string; gitDir: string } | undefined {
  if (process.env.GIT_DIR || process.env.GIT_WORK_TREE) return undefined;
  const dotGit = path.join(cwd, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return { root: cwd, gitDir: dotGit };
    const pointer = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    return pointer ? { root: cwd, gitDir: path.resolve(cwd, pointer[1]!.trim()) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The skip decision for `argv` run in `cwd`, or undefined when it is not a question asked here
 * (another command, an option, cwd not the top of a work tree): then the full run answers.
 * git runs with the caller's environment: a hook's GIT_INDEX_FILE names the index being committed.
 */
export async function idleAnswer(argv: readonly string[], cwd: string): Promise<SkipAnswer | undefined> {
  const question = idleQuestion(argv);
  const here = question && repositoryHere(cwd);
  if (!question || !here) return undefined;
  return skipAnswer(question, {
    root: here.root,
    cwd,
    judgement: () => lastJudgement(here.gitDir, runEnvironment(undefined)),
    git: (args) => askGit(args, { cwd, inherit: true }),
    search: (args) => askGitSearch(args, { cwd, inherit: true }),
  });
}
