import spawn, { SubprocessError } from 'nano-spawn';

export interface ExecOptions {
  cwd: string;
  /** The child's whole environment: nothing of process.env is inherited unless it is here. */
  env: Record<string, string | undefined>;
  input?: string;
  signal?: AbortSignal;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The program exited non-zero, was killed, or could not start. */
  failed: boolean;
  /** The program is not on PATH. */
  missing: boolean;
  exitCode: number | undefined;
  error?: unknown;
}

/**
 * Runs a program with an argument array (never a shell). nano-spawn rather than execa: this runs
 * on every commit, and it loads in a quarter of the time. Failures are returned, not thrown, so
 * each wrapper (git, nix) turns them into errors that name its own tool.
 */
export async function exec(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  // nano-spawn merges env over process.env; undefined values are dropped by Node, so masking
  // every inherited name first gives exactly `options.env`.
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.keys(process.env).map((name) => [name, undefined]),
  );
  Object.assign(env, options.env);
  try {
    const result = await spawn(file, [...args], {
      cwd: options.cwd,
      env: env as Record<string, string>,
      stdin: options.input === undefined ? 'ignore' : { string: options.input },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { stdout: result.stdout, stderr: result.stderr, failed: false, missing: false, exitCode: 0 };
  } catch (error) {
    if (!(error instanceof SubprocessError)) throw error;
    const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
    return {
      stdout: error.stdout,
      stderr: error.stderr,
      failed: true,
      missing: code === 'ENOENT',
      exitCode: error.exitCode,
      error,
    };
  }
}
