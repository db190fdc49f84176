import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

export interface ExecOptions {
  cwd: string;
  /** The child's whole environment: nothing of process.env is inherited unless it is here. */
  env: Record<string, string | undefined>;
  /** Bytes as they are, or text written as UTF-8. */
  input?: string | Uint8Array;
  signal?: AbortSignal;
  /**
   * The answer is complete once the program's standard error so far satisfies this: the result
   * is returned then, and the program is left to exit on its own without holding this process.
   */
  answeredBy?: (stderr: string) => boolean;
  /**
   * Run the program in its own process group, owned by this process: it (and whatever it
   * starts) is ended (TERM, then KILL after a short grace) on `signal`, after `timeoutMs`, after
   * an early answer, and when this process ends (see terminateChildren).
   */
  owned?: boolean;
  /** With `owned`: the longest the program may run; then it is ended and `timedOut` is set. */
  timeoutMs?: number | undefined;
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
  /** The program ran longer than `timeoutMs` and was ended. */
  timedOut?: boolean;
  error?: Error;
}

/**
 * The shell an owned program is started from. Its background watchdog ignores SIGTERM and waits
 * on fd 3, a pipe whose other end only this process holds: when this process ends for any
 * reason (SIGKILL included, which no handler sees), the pipe closes and the watchdog ends the
 * program's whole group, TERM then KILL. The program itself runs with fd 3 closed, by `exec`, so
 * it keeps the pid (and group) the shell had.
 */
const WATCHDOG =
  '( trap "" TERM; while read -r _ <&3; do :; done; kill -TERM 0; sleep 0.3; kill -KILL 0 ) </dev/null >/dev/null 2>&1 & exec 3<&- && exec "$0" "$@"';

/** How long an owned program has to end after SIGTERM before it gets SIGKILL. */
const KILL_GRACE_MS = 300;

interface OwnedChild {
  pid: number;
  /** Settles once the program (its group leader) has exited. */
  closed: Promise<void>;
}

/** Owned programs still running. */
const owned = new Set<OwnedChild>();
let exitHookInstalled = false;

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Whether a process has ended (it may still be a zombie, waiting to be reaped). */
function ended(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Ends one owned program and its group: TERM, then KILL after the grace unless it has exited.
 * The KILL goes to the group in any case, for helpers the program started.
 */
async function terminate(child: OwnedChild, graceMs = KILL_GRACE_MS): Promise<void> {
  signalGroup(child.pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([child.closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  signalGroup(child.pid, 'SIGKILL');
  owned.delete(child);
}

/** Ends every owned program still running: before this process exits normally or on a signal. */
export async function terminateChildren(graceMs = KILL_GRACE_MS): Promise<void> {
  await Promise.all([...owned].map((child) => terminate(child, graceMs)));
}

/**
 * The last line of defence, when the process exits without terminateChildren (process.exit,
 * an uncaught error): synchronous, so the grace is a short blocking wait.
 */
function terminateChildrenNow(): void {
  if (owned.size === 0) return;
  for (const child of owned) signalGroup(child.pid, 'SIGTERM');
  const deadline = Date.now() + KILL_GRACE_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < deadline && [...owned].some((child) => !ended(child.pid))) Atomics.wait(pause, 0, 0, 10);
  for (const child of owned) signalGroup(child.pid, 'SIGKILL');
  owned.clear();
}

/** Told of every program run (with `--verbose`, the CLI prints the exact command lines). */
let trace: ((file: string, args: readonly string[], cwd: string) => void) | undefined;

export function traceCommands(listener: typeof trace): void {
  trace = listener;
}

/**
 * Runs a program with an argument array (never a shell) and collects its output. Node's own
 * child_process rather than execa or nano-spawn: this runs in every git hook, where loading
 * execa (about 60 ms) or nano-spawn (about 12 ms) costs more than the work. Failures are returned,
 * not thrown, so each wrapper (git, nix) turns them into errors that name its own tool.
 */
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
    const stdin = options.input === undefined ? 'ignore' : 'pipe';
    const child = options.owned
      ? // An owned program starts under a watchdog that holds a pipe from this process.
        spawn('/bin/sh', ['-c', WATCHDOG, file, ...args], {
          cwd: options.cwd,
          env,
          stdio: [stdin, 'pipe', 'pipe', 'pipe'],
          detached: true,
        })
      : spawn(file, [...args], {
          cwd: options.cwd,
          env,
          stdio: [stdin, 'pipe', 'pipe'],
          ...(options.signal ? { signal: options.signal } : {}),
        });
    // The program has exited: its watchdog (which holds only that pipe) may go too.
    if (options.owned) child.once('exit', () => child.stdio[3]?.destroy());
    const stdout: Buffer[] = [];
    let stderr = '';
    let settled = false;
    let timedOut = false;
    let ownedChild: OwnedChild | undefined;
    const cleanups: Array<() => void> = [];
    if (options.owned && child.pid !== undefined) {
      const { promise: closed, resolve: onClosed } = Promise.withResolvers<void>();
      child.once('close', () => onClosed());
      const entry: OwnedChild = { pid: child.pid, closed };
      ownedChild = entry;
      owned.add(entry);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.once('exit', terminateChildrenNow);
      }
      const end = () => void terminate(entry);
      if (options.signal) {
        if (options.signal.aborted) end();
        else {
          options.signal.addEventListener('abort', end, { once: true });
          cleanups.push(() => options.signal!.removeEventListener('abort', end));
        }
      }
      if (options.timeoutMs !== undefined) {
        const timer = setTimeout(() => {
          timedOut = true;
          end();
        }, options.timeoutMs);
        cleanups.push(() => clearTimeout(timer));
      }
      child.once('close', () => {
        owned.delete(entry);
        for (const cleanup of cleanups) cleanup();
      });
    }
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      if (settled || options.answeredBy === undefined || !chunk.includes('\n') || !options.answeredBy(stderr)) return;
      settled = true;
      // What the program still does (Nix frees its heap for a quarter of a second) is not
      // waited for. An owned program has answered, so it is ended at once: a nixtag that exits
      // leaves nothing behind, and ending it costs nothing measurable.
      for (const cleanup of cleanups) cleanup();
      if (ownedChild !== undefined) {
        signalGroup(ownedChild.pid, 'SIGKILL');
        owned.delete(ownedChild);
      }
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr, child.stdio[3]])
        (stream as Socket | null)?.unref();
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
      // A group leader that exits may leave helpers behind: they end with it.
      if (ownedChild !== undefined) signalGroup(ownedChild.pid, 'SIGKILL');
      resolve({
        stdout: options.binary ? out : out.toString('utf8').replace(/\n$/, ''),
        stderr,
        failed,
        // An owned program is started by the shell, which says so when it is not on PATH.
        missing: startError?.code === 'ENOENT' || (options.owned === true && code === 127 && /not found/.test(stderr)),
        exitCode: code ?? undefined,
        ...(timedOut ? { timedOut } : {}),
        ...(failed
          ? { error: startError ?? new Error(`${file} ${signal ? `was killed by ${signal}` : `exited with ${code}`}`) }
          : {}),
      });
    });
  });
}
