import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

export interface ExecOptions {
  cwd: string;
  /** The child's whole environment: nothing of process.env is inherited unless it is here. */
  env: Record<string, string | undefined>;
  input?: string;
  signal?: AbortSignal;
  /**
   * The answer is complete once the program's standard error so far satisfies this: the result
   * is returned then, and the program is left to exit on its own without holding this process.
   */
  answeredBy?: (stderr: string) => boolean;
}

export interface ExecResult<Output extends string | Buffer = string> {
  stdout: Output;
  stderr: string;
  /** The program exited non-zero, was killed, or could not start. */
  failed: boolean;
  /** The program is not on PATH. */
  missing: boolean;
  exitCode: number | undefined;
  /** The answer came before the program exited (see `answeredBy`); stdout may be incomplete. */
  answeredEarly?: boolean;
  error?: Error;
}

/**
 * Runs a program with an argument array (never a shell) and collects its output. Node's own
 * child_process rather than execa or nano-spawn: this runs in every git hook, where loading
 * execa (about 60 ms) or nano-spawn (about 12 ms) costs more than the work. Failures are returned,
 * not thrown, so each wrapper (git, nix) turns them into errors that name its own tool.
 */
/** Told of every program run (with `--verbose`, the CLI prints the exact command lines). */
let trace: ((file: string, args: readonly string[], cwd: string) => void) | undefined;

export function traceCommands(listener: typeof trace): void {
  trace = listener;
}

export function exec(file: string, args: readonly string[], options: ExecOptions): Promise<ExecResult>;
export function exec(
  file: string,
  args: readonly string[],
  options: ExecOptions & { binary: true },
): Promise<ExecResult<Buffer>>;
export function exec(
  file: string,
  args: readonly string[],
  options: ExecOptions & { binary?: boolean },
): Promise<ExecResult<string | Buffer>> {
  trace?.(file, args, options.cwd);
  return new Promise((resolve) => {
    const env = Object.fromEntries(Object.entries(options.env).filter(([, value]) => value !== undefined));
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    let settled = false;
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (settled || options.answeredBy === undefined || !chunk.includes('\n') || !options.answeredBy(stderr)) return;
      settled = true;
      // What the program still does (Nix frees its heap for a quarter of a second) is its own.
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref();
      resolve({ stdout: '', stderr, failed: false, missing: false, exitCode: undefined, answeredEarly: true });
    });
    let startError: NodeJS.ErrnoException | undefined;
    child.on('error', (error: NodeJS.ErrnoException) => (startError ??= error));
    child.stdin?.on('error', () => undefined); // a program that exits without reading its input
    child.stdin?.end(options.input);
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      const out = Buffer.concat(stdout);
      const failed = startError !== undefined || code !== 0;
      resolve({
        stdout: options.binary ? out : out.toString('utf8').replace(/\n$/, ''),
        stderr,
        failed,
        missing: startError?.code === 'ENOENT',
        exitCode: code ?? undefined,
        ...(failed
          ? { error: startError ?? new Error(`${file} ${signal ? `was killed by ${signal}` : `exited with ${code}`}`) }
          : {}),
      });
    });
  });
}
