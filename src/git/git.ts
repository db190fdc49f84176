import { exec } from '../exec.js';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { execOptions, type GitOptions } from './process.js';

export type { GitOptions } from './process.js';

function failure(args: readonly string[], result: { missing: boolean; stderr: string; error?: Error }): NixtagError {
  if (result.missing) return new NixtagError('GIT_FAILED', messages.gitMissing(), { cause: result.error });
  return new NixtagError('GIT_FAILED', messages.gitFailed(args), {
    detail: result.stderr.trim() || String(result.error?.message ?? ''),
    cause: result.error,
  });
}

/** Runs git with arguments as an array, never through a shell; returns stdout. */
export async function git(args: readonly string[], options: GitOptions): Promise<string> {
  const result = await exec('git', args, execOptions(options));
  if (result.failed) throw failure(args, result);
  return result.stdout;
}

/** As `git`, for commands whose exit status 1 means "nothing found" (`git grep`): then undefined. */
export async function gitMaybe(args: readonly string[], options: GitOptions): Promise<string | undefined> {
  const result = await exec('git', args, execOptions(options));
  if (result.failed && result.exitCode === 1 && !result.missing) return undefined;
  if (result.failed) throw failure(args, result);
  return result.stdout;
}

/** As `git`, for output that is not text (blob contents from `cat-file --batch`). */
export async function gitBytes(args: readonly string[], options: GitOptions): Promise<Buffer> {
  const result = await exec('git', args, { ...execOptions(options), binary: true });
  if (result.failed) throw failure(args, result);
  return result.stdout;
}
