import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { exec } from '../exec.js';
import { runEnvironment } from '../state/environment.js';
import { canMatter, environmentHash, readJudgement, type Judgement } from '../state/judgements.js';

/**
 * Answers a command that has nothing to do before the command-line parser, the configuration,
 * YAML or Nix load: the last judgement (state/judgements.ts) and one `git diff` decide it. Loads
 * nothing else; anything it is unsure of goes to the full run, which gives the same answer.
 */
export type IdleAnswer =
  | { kind: 'good'; references: number }
  | { kind: 'nothing-to-do' }
  /** Looked, and something that matters changed: the full run must judge. */
  | { kind: 'unanswered' };

/** What the command line asks, when it is a question this module can answer. */
interface IdleQuestion {
  source: 'index' | 'worktree';
  paths: string[];
}

/** `hook pre-commit [--check|--fix]`, `check --staged [PATH...]` and `check [PATH...]`, and nothing else. */
export function idleQuestion(argv: readonly string[]): IdleQuestion | undefined {
  if (argv[0] === 'hook' && argv[1] === 'pre-commit') {
    const modes = argv.slice(2);
    return modes.every((arg) => arg === '--check' || arg === '--fix') && modes.length <= 1
      ? { source: 'index', paths: [] }
      : undefined;
  }
  if (argv[0] !== 'check') return undefined;
  const rest = argv.slice(1);
  const staged = rest.includes('--staged');
  const paths = rest.filter((arg) => arg !== '--staged');
  if (paths.some((arg) => arg.startsWith('-'))) return undefined;
  return { source: staged ? 'index' : 'worktree', paths };
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

/** Whether any of `files` (repository paths) could change the verdict; globs load only when needed. */
export async function anyCanMatter(judgement: Judgement, files: readonly string[]): Promise<boolean> {
  let matcher: ((file: string) => boolean) | undefined;
  for (const file of files) {
    if (judgement.globs !== undefined && matcher === undefined) {
      const picomatch = (await import('picomatch')).default;
      matcher = picomatch(judgement.globs, { dot: true });
    }
    if (canMatter(judgement, file, matcher)) return true;
  }
  return false;
}

/**
 * The `git diff-index` that lists what the index (or the working tree) deleted since HEAD.
 * lint-staged appends only added, copied, modified and renamed paths (`--diff-filter=ACMR`),
 * never a deletion nor the old name of a rename, which change the tree as much: PATH arguments
 * always count these as given too. It fails without a HEAD (a first commit): then PATH
 * arguments cannot narrow.
 */
export function deletionsSinceHead(source: 'index' | 'worktree'): string[] {
  const cached = source === 'index' ? ['--cached'] : [];
  return [
    'diff-index',
    ...cached,
    '--name-only',
    '-z',
    '--no-renames',
    '--ignore-submodules=none',
    '--diff-filter=D',
    'HEAD',
    '--',
  ];
}

/** The paths a diff names, from `git diff… --name-only -z`. */
export function changedPaths(output: string): string[] {
  return output.split('\0').filter((file) => file !== '');
}

export async function idleAnswer(argv: readonly string[], cwd: string): Promise<IdleAnswer | undefined> {
  const question = idleQuestion(argv);
  const here = question && repositoryHere(cwd);
  const environment = here && runEnvironment(undefined);
  const judgement = here && readJudgement(here.gitDir);
  if (!question || !here) return undefined;
  if (!environment || !judgement || judgement.environment !== environmentHash(environment)) {
    return { kind: 'unanswered' };
  }
  // The judgement speaks for this tree only if nothing that matters changed since.
  const cached = question.source === 'index' ? ['--cached'] : [];
  const options = { cwd, env: { ...process.env, GIT_NO_REPLACE_OBJECTS: '1' } }; // as git/git.ts
  const diff = await exec(
    'git',
    ['diff-index', ...cached, '--name-only', '-z', '--no-renames', '--ignore-submodules=none', judgement.tree],
    options,
  );
  if (diff.failed) return undefined;
  if (await anyCanMatter(judgement, changedPaths(diff.stdout))) return { kind: 'unanswered' };
  if (question.paths.length > 0) {
    const absolute = question.paths.map((given) => path.resolve(cwd, given));
    // A path that is not there is the full run's to name; a directory may hold anything.
    if (!absolute.every((file) => existsSync(file)) || absolute.some((file) => statSync(file).isDirectory())) {
      return undefined;
    }
    const files = absolute
      .map((file) => path.relative(here.root, file).split(path.sep).join('/'))
      .filter((file) => !file.startsWith('..'));
    // The deletions since HEAD count as given only where they could turn an answer into exit 0:
    // a judgement that passed speaks for this tree whatever the paths (the tree is unchanged
    // where it matters), so the git process is spent only on one that failed.
    if (!judgement.ok) {
      const deletions = await exec('git', deletionsSinceHead(question.source), options);
      if (deletions.failed) return undefined;
      files.push(...changedPaths(deletions.stdout));
    }
    if (!(await anyCanMatter(judgement, files))) return { kind: 'nothing-to-do' };
  }
  if (!judgement.ok) return { kind: 'unanswered' };
  return { kind: 'good', references: judgement.references };
}
