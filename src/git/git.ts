import { spawn } from 'node:child_process';
import { exec } from '../exec.js';
import { NixtagError } from '../errors.js';
import { messages } from '../report/messages.js';

/**
 * Variables through which a hook's git tells its commands which repository, index and object
 * store to use (`git rev-parse --local-env-vars`). They are resolved once, at start, and then
 * dropped, so that a command run for a scratch tree can never touch the user's index by accident.
 */
export const LOCAL_ENV_VARS = [
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

export interface GitOptions {
  cwd: string;
  /** Set on top of the scrubbed environment. */
  env?: Record<string, string>;
  /** Keep the caller's GIT_* variables (only to find the repository as the hook's git sees it). */
  inherit?: boolean;
  input?: string;
}

function gitEnvironment(options: GitOptions): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  if (!options.inherit) for (const name of LOCAL_ENV_VARS) env[name] = undefined;
  return { ...env, ...options.env };
}

/** Runs git with arguments as an array, never through a shell; returns stdout. */
export async function git(args: readonly string[], options: GitOptions): Promise<string> {
  const result = await exec('git', args, {
    cwd: options.cwd,
    env: gitEnvironment(options),
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  if (result.missing) throw new NixtagError('GIT_FAILED', messages.gitMissing(), { cause: result.error });
  if (result.failed) {
    throw new NixtagError('GIT_FAILED', messages.gitFailed(args), {
      detail: result.stderr.trim() || String((result.error as Error | undefined)?.message ?? ''),
      cause: result.error,
    });
  }
  return result.stdout;
}

/**
 * As `git`, for output that is not text (blob contents from `cat-file --batch`): nano-spawn only
 * returns strings, so this one case spawns directly and collects bytes.
 */
export function gitBytes(args: readonly string[], options: GitOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: gitEnvironment(options) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new NixtagError('GIT_FAILED', error.code === 'ENOENT' ? messages.gitMissing() : messages.gitFailed(args), {
          cause: error,
        }),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else
        reject(
          new NixtagError('GIT_FAILED', messages.gitFailed(args), {
            detail: Buffer.concat(err).toString('utf8').trim(),
          }),
        );
    });
    child.stdin.end(options.input ?? '');
  });
}
