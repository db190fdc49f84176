import { NixtagError } from '../errors.js';
import { exec } from '../exec.js';
import { escapeText } from '../escape.js';
import { messages } from '../messages.js';
import { testPause } from '../testPause.js';
import { userPaths } from '../userPaths.js';
import { findProgram, nixInstallPlaces, nixProcess, nixSearchPath } from './environment.js';

export interface NixRun {
  stdout: string;
  /** What Nix printed on stderr, without its `-vv` chatter. */
  stderr: string;
  /** Absolute paths of the files Nix parsed (`evaluating file '…'` at `-vv`), in order. */
  evaluatedFiles: string[];
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
  /** Another environment than the scrubbed one: only doctor's probe of the environment's effect. */
  env?: Record<string, string> | undefined;
  /**
   * The repository's expression is evaluated without restrict-eval, so `builtins.getEnv` reads
   * the environment: every variable Nix gets then has a fixed value (environment.ts).
   */
  unconfined?: boolean | undefined;
  /** Receives the files Nix parsed, before the run returns or fails (doctor locates with them). */
  onEvaluatedFiles?: ((files: string[]) => void) | undefined;
  /** Seconds the evaluation may take; then Nix is ended and NIX_TIMEOUT names `images`. */
  timeoutSeconds?: number | undefined;
  /** Address space Nix may use, in MiB (`ulimit -v`); exceeding it is NIX_MEMORY_LIMIT. */
  memoryLimitMb?: number | undefined;
  /** The images this run evaluates, for messages. */
  images?: readonly string[] | undefined;
  /**
   * With restrict-eval: refusals become NIX_RESTRICTED naming the configuration key, or, where
   * the command line enforces it, the option that allows a URL.
   */
  restricted?: { enforced: boolean } | undefined;
}

/** What Nix (Boehm GC, the loader) prints when an address-space limit stops it. */
const OUT_OF_MEMORY =
  /out of memory|Failed to expand heap|Cannot allocate memory|std::bad_alloc|failed to map segment|Resource temporarily unavailable/;
/** Nix's refusals in restricted mode, 2.8 and 2.26. */
const RESTRICTED_PATH = /access to (?:absolute |canonical )?path '([^']*)' is forbidden in restricted mode/;
const RESTRICTED_URI = /access to URI '([^']*)' is forbidden in restricted mode/;

/** What confinement refused: a path read or a URL fetched, as Nix names it. */
export type Refused = { path: string } | { uri: string };

/** The cause of a NIX_RESTRICTED error: what was refused, for doctor's listing of reads outside the tree. */
class Refusal extends Error {
  override readonly name = 'Refusal';
  readonly refused: Refused;
  constructor(refused: Refused) {
    super('path' in refused ? refused.path : refused.uri);
    this.refused = refused;
  }
}

/** What a NIX_RESTRICTED error (or one wrapping it) says was refused. */
export function refusedBy(error: unknown): Refused | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof Refusal) return cause.refused;
  }
  return undefined;
}

const list = (names: readonly string[]) => names.map((name) => `'${name}'`).join(', ');

/**
 * The one place that runs nix-instantiate. Arguments go to the program as an array (never
 * through a shell); the environment is always the scrubbed one.
 */
export async function nixInstantiate(
  args: readonly string[],
  cwd: string,
  options: NixRunOptions = {},
): Promise<NixRun> {
  return runNix('nix-instantiate', args, cwd, options);
}

/** `nix` itself (`nix eval` of flakes, commandLine.ts's flakeEvaluationArgs), run as nix-instantiate is. */
export async function nixCommand(args: readonly string[], cwd: string, options: NixRunOptions = {}): Promise<NixRun> {
  return runNix('nix', args, cwd, options);
}

/** nix-store (commandLine.ts's invalidPathsArgs), with the same environment and failures. */
export async function nixStore(args: readonly string[], cwd: string): Promise<NixRun> {
  return runNix('nix-store', args, cwd, {});
}

/** nix-prefetch-url (see commandLine.ts's prefetchArgs), with the same environment and failures. */
export async function nixPrefetchUrl(args: readonly string[], cwd: string): Promise<NixRun> {
  return runNix('nix-prefetch-url', args, cwd, {});
}

function nixMissing(program: string, cause?: unknown): NixtagError {
  return new NixtagError('NIX_MISSING', messages.nixMissing(nixInstallPlaces(), program), {
    hint: messages.nixInstallHint(),
    cause,
  });
}

async function runNix(program: string, args: readonly string[], cwd: string, options: NixRunOptions): Promise<NixRun> {
  const { signal, answerMarker, timeoutSeconds, memoryLimitMb } = options;
  const images = list(options.images ?? []);
  const { env, options: settings } =
    options.env === undefined
      ? nixProcess(options.unconfined ? 'fixed' : 'working')
      : { env: options.env, options: [] };
  // Found where the caller's PATH and Nix's installers put it: the PATH Nix gets may be fixed.
  const found = findProgram(program, nixSearchPath());
  if (found === undefined) throw nixMissing(program);
  const command = [...settings, ...args];
  // The address-space limit is set by a shell for Nix alone (Node cannot set a child's rlimit).
  const [file, fullArgs] =
    memoryLimitMb === undefined
      ? [found, command]
      : ['sh', ['-c', `ulimit -v ${memoryLimitMb * 1024} && exec "$0" "$@"`, found, ...command]];
  // Nix runs in its own process group, ended with this run (exec's `owned`).
  const running = exec(file, fullArgs, {
    cwd,
    env,
    owned: true,
    ...(signal ? { signal } : {}),
    ...(timeoutSeconds === undefined ? {} : { timeoutMs: timeoutSeconds * 1000 }),
    ...(answerMarker === undefined ? {} : { answeredBy: answerWatcher(answerMarker) }),
  });
  await testPause('nix-running');
  const result = await running;
  if (result.timedOut) {
    throw new NixtagError('NIX_TIMEOUT', messages.nixTimeout(images, userPaths(cwd), timeoutSeconds ?? 0), {
      hint: messages.nixTimeoutHint(),
      detail: escapeText(splitChatter(result.stderr).rest.trim()),
    });
  }
  if (result.failed && signal?.aborted) {
    throw new NixtagError('NIX_EVAL_FAILED', messages.nixEvalFailed(cwd), { cause: signal.reason });
  }
  if (result.failed && memoryLimitMb !== undefined && OUT_OF_MEMORY.test(result.stderr)) {
    throw new NixtagError('NIX_MEMORY_LIMIT', messages.nixMemoryLimit(images, userPaths(cwd), memoryLimitMb), {
      hint: messages.nixMemoryLimitHint(),
      detail: escapeText(splitChatter(result.stderr).rest.trim()),
    });
  }
  if (result.failed && options.restricted) {
    const refusedPath = RESTRICTED_PATH.exec(result.stderr)?.[1];
    const uri = RESTRICTED_URI.exec(result.stderr)?.[1];
    if (refusedPath !== undefined || uri !== undefined) {
      throw new NixtagError(
        'NIX_RESTRICTED',
        uri !== undefined
          ? messages.restrictedUri(images, escapeText(uri), options.restricted.enforced)
          : messages.restrictedPath(images, escapeText(refusedPath!)),
        {
          hint:
            uri !== undefined
              ? messages.restrictedUriHint(uri, options.restricted.enforced)
              : messages.restrictedPathHint(options.restricted.enforced),
          detail: escapeText(splitChatter(result.stderr).rest.trim()),
          cause: new Refusal(uri !== undefined ? { uri } : { path: refusedPath! }),
        },
      );
    }
  }
  if (result.missing || (memoryLimitMb !== undefined && result.exitCode === 127)) {
    throw nixMissing(program, result.error);
  }
  const { files: evaluatedFiles, rest: stderr } = splitChatter(result.stderr);
  options.onEvaluatedFiles?.(evaluatedFiles);
  if (result.failed) {
    // Nix names files in the checked-out tree: the user's own paths are the ones to show.
    throw new NixtagError('NIX_EVAL_FAILED', messages.nixEvalFailed(userPaths(cwd)), {
      detail: userPaths(escapeText(stderr.trim() || String((result.error as Error | undefined)?.message ?? ''))),
      hint: messages.nixEvalHint(),
      cause: result.error,
    });
  }
  const traced = answerMarker === undefined ? undefined : tracedAnswer(stderr, answerMarker);
  if (traced === undefined) return { stdout: result.stdout, stderr, evaluatedFiles, traced: false };
  return { stdout: traced.value, stderr: traced.rest, evaluatedFiles, traced: result.answeredEarly === true };
}

/** Lines Nix prints at `-vv` about its own work, never the user's: kept out of messages. */
const CHATTER =
  /^(?:(?:evaluating file|copied source|instantiated|hashing|performing daemon worker op|acquiring write lock|copying path|copying|querying info about|getting Git revision count of) '|using revision [0-9a-f]+ of repo ')/;
const EVALUATING = /^evaluating file '(.*)'$/;

/** The files Nix reports evaluating, and stderr without the chatter. */
function splitChatter(stderr: string): { files: string[]; rest: string } {
  const files: string[] = [];
  const rest: string[] = [];
  for (const line of stderr.split('\n')) {
    const evaluating = EVALUATING.exec(line);
    if (evaluating) files.push(evaluating[1]!);
    else if (!CHATTER.test(line)) rest.push(line);
  }
  return { files, rest: rest.join('\n') };
}

/** Where the line `trace: <marker>…` starts in stderr, searching from `from`; -1 if nowhere. */
function answerLine(stderr: string, marker: string, from = 0): number {
  const prefix = `trace: ${marker}`;
  if (from === 0 && stderr.startsWith(prefix)) return 0;
  const at = stderr.indexOf(`\n${prefix}`, from);
  return at === -1 ? -1 : at + 1;
}

/** The complete `trace: <marker>…` line in stderr, if there is one, and the rest of stderr. */
export function tracedAnswer(stderr: string, marker: string): { value: string; rest: string } | undefined {
  const start = answerLine(stderr, marker);
  const end = start === -1 ? -1 : stderr.indexOf('\n', start);
  if (end === -1) return undefined;
  return {
    value: stderr.slice(start + `trace: ${marker}`.length, end),
    rest: stderr.slice(0, start) + stderr.slice(end + 1),
  };
}

/**
 * Whether stderr, as it grows, holds the whole answer line. Each call searches only what came
 * since the last one, so an expression that traces megabytes costs no quadratic rescanning.
 */
export function answerWatcher(marker: string): (stderr: string) => boolean {
  const overlap = `\ntrace: ${marker}`.length;
  let from = 0;
  let start = -1;
  return (stderr) => {
    if (start === -1) {
      start = answerLine(stderr, marker, from);
      from = Math.max(0, stderr.length - overlap);
      if (start === -1) return false;
    }
    return stderr.indexOf('\n', start) !== -1;
  };
}
