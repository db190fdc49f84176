import { NixtagError } from '../errors.js';
import { exec } from '../exec.js';
import { messages } from '../report/messages.js';
import { nixEnvironment } from './environment.js';

export interface NixRun {
  stdout: string;
  stderr: string;
  /** The answer was read from the traced line, before Nix exited. */
  traced: boolean;
}

export interface NixRunOptions {
  signal?: AbortSignal | undefined;
  /**
   * The expression traces its result as `trace: <marker><json>` once it is fully evaluated. Nix
   * prints its stdout only when it exits, after freeing its heap (about a quarter of a second
   * with a large evaluation), while a trace reaches stderr at once: the traced line is the answer,
   * and the process is left to finish on its own. Without the line, stdout at exit is.
   */
  answerMarker?: string | undefined;
}

/**
 * The one place that runs nix-instantiate. Arguments go to the program as an array (never
 * through a shell); the environment is always the scrubbed one.
 */
export async function nixInstantiate(
  args: readonly string[],
  cwd: string,
  options: NixRunOptions = {},
): Promise<NixRun> {
  const { signal, answerMarker } = options;
  const answer = (stderr: string) => (answerMarker === undefined ? undefined : tracedAnswer(stderr, answerMarker));
  const result = await exec('nix-instantiate', args, {
    cwd,
    env: nixEnvironment(),
    ...(signal ? { signal } : {}),
    ...(answerMarker === undefined ? {} : { answeredBy: (stderr: string) => answer(stderr) !== undefined }),
  });
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
  const traced = answer(result.stderr);
  if (traced === undefined) return { stdout: result.stdout, stderr: result.stderr, traced: false };
  return { stdout: traced.value, stderr: traced.rest, traced: result.answeredEarly === true };
}

/** The complete `trace: <marker>…` line in stderr, if there is one, and the rest of stderr. */
export function tracedAnswer(stderr: string, marker: string): { value: string; rest: string } | undefined {
  const prefix = `trace: ${marker}`;
  let start = stderr.startsWith(prefix) ? 0 : stderr.indexOf(`\n${prefix}`);
  if (start === -1) return undefined;
  if (start > 0) start += 1;
  const end = stderr.indexOf('\n', start);
  if (end === -1) return undefined;
  return {
    value: stderr.slice(start + prefix.length, end),
    rest: stderr.slice(0, start) + stderr.slice(end + 1),
  };
}
