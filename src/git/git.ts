import { execa } from 'execa';
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
  /** Set on top of the scrubbed environment; `inherit` keeps the caller's GIT_* variables. */
  env?: Record<string, string>;
  inherit?: boolean;
  input?: string | Uint8Array;
}

function gitEnvironment(options: GitOptions): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (!options.inherit) for (const name of LOCAL_ENV_VARS) if (!(name in (options.env ?? {}))) env[name] = undefined;
  return env;
}

async function run(args: readonly string[], options: GitOptions, encoding: 'utf8' | 'buffer') {
  const result = await execa('git', args, {
    cwd: options.cwd,
    env: gitEnvironment(options),
    extendEnv: false,
    reject: false,
    encoding,
    stripFinalNewline: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  if ((result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new NixtagError('GIT_FAILED', messages.gitMissing(), { cause: result.cause });
  }
  if (result.failed) {
    throw new NixtagError('GIT_FAILED', messages.gitFailed(args), {
      detail: String(result.stderr).trim() || result.shortMessage,
      cause: result.cause ?? undefined,
    });
  }
  return result.stdout;
}

/** Runs git with arguments as an array, never through a shell; returns stdout as text. */
export async function git(args: readonly string[], options: GitOptions): Promise<string> {
  return String(await run(args, options, 'utf8'));
}

/** As `git`, for output that may not be text (blobs). */
export async function gitBytes(args: readonly string[], options: GitOptions): Promise<Uint8Array> {
  return (await run(args, options, 'buffer')) as Uint8Array;
}
