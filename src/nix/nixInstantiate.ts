import { NixtagError } from '../errors.js';
import { exec } from '../exec.js';
import { messages } from '../report/messages.js';
import { nixEnvironment } from './environment.js';

export interface NixRun {
  stdout: string;
  stderr: string;
}

/**
 * The one place that runs nix-instantiate. Arguments go to the program as an array (never
 * through a shell); the environment is always the scrubbed one.
 */
export async function nixInstantiate(args: readonly string[], cwd: string, signal?: AbortSignal): Promise<NixRun> {
  const result = await exec('nix-instantiate', args, { cwd, env: nixEnvironment(), ...(signal ? { signal } : {}) });
  if (result.missing) {
    throw new NixtagError('NIX_MISSING', messages.nixMissing(), {
      hint: messages.nixInstallHint(),
      cause: result.error,
    });
  }
  if (result.failed) {
    throw new NixtagError('NIX_EVAL_FAILED', messages.nixEvalFailed(cwd), {
      detail: result.stderr.trim() || String((result.error as Error | undefined)?.message ?? ''),
      hint: messages.nixEvalHint(),
      cause: result.error,
    });
  }
  return { stdout: result.stdout, stderr: result.stderr };
}
