import { execa } from 'execa';
import { NixtagError } from '../errors.js';
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
export async function nixInstantiate(args: readonly string[], cwd: string): Promise<NixRun> {
  const result = await execa('nix-instantiate', args, {
    cwd,
    env: nixEnvironment(),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
  const missing = (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  if (missing) {
    throw new NixtagError('NIX_MISSING', messages.nixMissing(), {
      hint: messages.nixInstallHint(),
      cause: result.cause,
    });
  }
  if (result.failed) {
    throw new NixtagError('NIX_EVAL_FAILED', messages.nixEvalFailed(cwd), {
      detail: String(result.stderr).trim() || result.shortMessage,
      hint: messages.nixEvalHint(),
      cause: result.cause ?? undefined,
    });
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr) };
}
