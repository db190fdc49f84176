import { exec, type ExecOptions } from '../exec.js';

/**
 * How every git process nixtag starts is set up. Loads no messages: the skip decision asks git
 * through `askGit` on the idle path, before anything else loads.
 */

/**
 * Variables through which a hook's git tells its commands which repository, index and object
 * store to use (`git rev-parse --local-env-vars`). They are resolved once, at start, and then
 * dropped, so that a command run for a scratch tree can never touch the user's index by accident.
 */
const LOCAL_ENV_VARS = [
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  'GIT_OBJECT_DIRECTORY',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_GRAFT_FILE',
  'GIT_INDEX_FILE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_REPLACE_REF_BASE',
  'GIT_PREFIX',
  'GIT_SHALLOW_FILE',
  'GIT_COMMON_DIR',
];

/** Variables that change how every pathspec is read (literal, glob, case). */
const PATHSPEC_ENV_VARS = [
  'GIT_LITERAL_PATHSPECS',
  'GIT_GLOB_PATHSPECS',
  'GIT_NOGLOB_PATHSPECS',
  'GIT_ICASE_PATHSPECS',
];

export interface GitOptions {
  cwd: string;
  /** Set on top of the scrubbed environment. */
  env?: Record<string, string>;
  /** Keep the caller's GIT_* variables (only to find the repository as the hook's git sees it). */
  inherit?: boolean;
  input?: string | Uint8Array;
}

/**
 * The environment of a git command: the caller's, without the hook's local variables unless
 * asked, and never with replacement objects (`git replace`): CI's clone does not fetch
 * `refs/replace/`, so it sees the objects as they are.
 */
function gitEnvironment(options: GitOptions): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  if (!options.inherit) for (const name of LOCAL_ENV_VARS) env[name] = undefined;
  // nixtag's pathspecs mean what git's defaults make them mean, whatever the caller prefers.
  for (const name of PATHSPEC_ENV_VARS) env[name] = undefined;
  return { ...env, GIT_NO_REPLACE_OBJECTS: '1', ...options.env };
}

export function execOptions(options: GitOptions): ExecOptions {
  return {
    cwd: options.cwd,
    env: gitEnvironment(options),
    ...(options.input === undefined ? {} : { input: options.input }),
  };
}

/**
 * git's output, or undefined when git failed: for a question whose failure only means "take the
 * long way" (the skip decision), so no error is worth building.
 */
export async function askGit(args: readonly string[], options: GitOptions): Promise<string | undefined> {
  const result = await exec('git', args, execOptions(options));
  return result.failed ? undefined : result.stdout;
}

/** askGit for a search (`git grep`): '' where git found nothing (exit 1), undefined when it failed. */
export async function askGitSearch(args: readonly string[], options: GitOptions): Promise<string | undefined> {
  const result = await exec('git', args, execOptions(options));
  if (!result.failed) return result.stdout;
  return result.exitCode === 1 && result.stderr === '' ? '' : undefined;
}
