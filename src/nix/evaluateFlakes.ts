import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { flakeEvaluationArgs, invalidPathsArgs, versionArgs, type EvalSettings } from './commandLine.js';
import type { EvaluateOptions, ImageEvaluation } from './evaluate.js';
import { flakeBatchExpression, type FlakeImageSpec } from './flakeExpression.js';
import { candidatePaths, flakeFile, installableText, type Installable } from './flakeInstallable.js';
import { lockedStorePath, type FlakeLock } from './flakeLock.js';
import { nixCommand, nixStore } from './nixInstantiate.js';
import { storePathHashPart, isNixHash } from './storePath.js';

export interface FlakeImageRequest {
  name: string;
  installable: Installable;
  /** The installable as configured, for messages. */
  display: string;
  tagFrom: 'outPath' | 'imageTag';
}

export interface FlakesEvaluated {
  /** One per request, in order. */
  evaluations: ImageEvaluation[];
  /**
   * Every file Nix parsed: those of the flakes' own source (the repository's tracked files, which
   * Nix copies to the store) as paths in the checkout, the rest (inputs) as Nix named them.
   */
  evaluatedFiles: string[];
}

type Described =
  | { kind: 'found'; path: string[]; value: string; derivation: boolean }
  | {
      kind: 'missing';
      available: { outputs: string[]; systems: string[]; packages: string[]; legacyPackages: string[] };
    }
  | { kind: string; path: string[]; attrs?: string[] };

/** What the flake images' evaluation also needs to know: the Nix version CI runs (`nixVersion`). */
export interface FlakeEvaluateOptions extends EvaluateOptions {
  ciNixVersion?: string | null | undefined;
}

interface Answer {
  sources: string[];
  images: Described[];
}

/** The checkout as a locked git flake: its commit `head`, the flake in `directory` of it. */
export function flakeReference(checkout: string, head: string, directory: string): string {
  const location = checkout.split('/').map(encodeURIComponent).join('/');
  // `ref=HEAD`: the checkout's HEAD is detached, and without a ref Nix 2.26 warns that it guesses one.
  const query = [...(directory === '' ? [] : [`dir=${encodeURIComponent(directory)}`]), 'ref=HEAD', `rev=${head}`];
  return `git+file://${location}?${query.join('&')}`;
}

/** A batch's flakes (one per directory) and its images' specs. */
function batchOf(requests: readonly FlakeImageRequest[], system: string) {
  const directories = [...new Set(requests.map((request) => request.installable.directory))];
  const specs: FlakeImageSpec[] = requests.map((request) => ({
    flake: directories.indexOf(request.installable.directory),
    candidates: candidatePaths(request.installable, system),
    leaf: request.tagFrom,
  }));
  return { directories, specs };
}

/**
 * Evaluates flake images in one `nix eval`: each flake of the checkout `checkout` at its commit
 * `head`, as a git flake (tracked files only, `self.rev` the commit's), loaded once however many
 * images it has. `locks`: each flake directory's lock, read already (flakeLock.ts), to name an
 * input Nix could not fetch.
 */
export async function evaluateFlakeImages(
  requests: readonly FlakeImageRequest[],
  checkout: string,
  head: string,
  settings: EvalSettings,
  locks: ReadonlyMap<string, FlakeLock>,
  signal?: AbortSignal,
  options: FlakeEvaluateOptions = {},
): Promise<FlakesEvaluated> {
  try {
    return await runFlakes(requests, checkout, head, settings, signal, options);
  } catch (error) {
    if (!(error instanceof NixtagError) || error.code !== 'NIX_EVAL_FAILED' || signal?.aborted) throw error;
    throw await explain(error, requests, checkout, head, settings, locks, signal, options);
  }
}

async function runFlakes(
  requests: readonly FlakeImageRequest[],
  checkout: string,
  head: string,
  settings: EvalSettings,
  signal: AbortSignal | undefined,
  options: EvaluateOptions,
): Promise<FlakesEvaluated> {
  const { directories, specs } = batchOf(requests, settings.system);
  const flakes = directories.map((directory) => flakeReference(checkout, head, directory));
  const answerMarker = `nixtag-answer-${process.pid}-${Math.random().toString(36).slice(2)}:`;
  const expression = flakeBatchExpression(flakes, specs, settings.system, answerMarker);
  const run = await nixCommand(flakeEvaluationArgs(settings, expression), checkout, {
    signal,
    answerMarker,
    env: options.env,
    onEvaluatedFiles: options.onEvaluatedFiles,
    images: requests.map((request) => request.name),
    timeoutSeconds: options.timeoutSeconds,
    memoryLimitMb: options.memoryLimitMb,
  });
  refuseLockChanges(run.stderr, requests);
  const answer = JSON.parse(run.stdout) as Answer;
  // The flakes' source is the tracked tree, copied whole (a flake in a subdirectory included).
  const sources = [...new Set(answer.sources)];
  const evaluatedFiles = run.evaluatedFiles.map((file) => {
    const source = sources.find((candidate) => file.startsWith(`${candidate}/`));
    return source === undefined ? file : path.join(checkout, file.slice(source.length + 1));
  });
  return {
    evaluations: requests.map((request, index) => interpret(request, answer.images[index]!, settings.system)),
    evaluatedFiles,
  };
}

/**
 * The repository paths of the files Nix parsed in the flakes' own source, found without Nix's
 * answer (an evaluation that failed): the source is the store directory that holds a flake's
 * flake.nix at its place in the repository.
 */
export function parsedRepositoryFiles(files: readonly string[], directories: readonly string[]): string[] {
  const sources = new Set<string>();
  for (const file of files) {
    for (const directory of directories) {
      const own = `/${flakeFile(directory)}`;
      const source = file.endsWith(own) ? file.slice(0, -own.length) : undefined;
      if (source !== undefined && /\/[0-9a-df-np-sv-z]{32}-source$/.test(source)) sources.add(source);
    }
  }
  return [
    ...new Set(
      files.flatMap((file) => {
        const source = [...sources].find((candidate) => file.startsWith(`${candidate}/`));
        return source === undefined ? [] : [file.slice(source.length + 1)];
      }),
    ),
  ];
}

/** Nix 2.26 evaluates with a lock it would change (and says so) where 2.8 refuses: both refuse here. */
function refuseLockChanges(stderr: string, requests: readonly FlakeImageRequest[]): void {
  if (!/not writing modified lock file/.test(stderr)) return;
  const inputs = [...stderr.matchAll(/^• (?:Updated|Added|Removed) input '([^']+)'/gm)].map((match) => match[1]!);
  const directory = requests[0]!.installable.directory;
  const file = directory === '' ? 'flake.lock' : `${directory}/flake.lock`;
  throw new NixtagError('FLAKE_LOCK_INVALID', messages.flakeLockChanges(file, inputs), {
    location: { file },
    hint: messages.flakeLockHint(),
    detail: stderr.trim(),
  });
}

function interpret(request: FlakeImageRequest, described: Described, system: string): ImageEvaluation {
  const { directory } = request.installable;
  const location = { file: flakeFile(directory) };
  const tried = candidatePaths(request.installable, system).map((steps) => installableText(directory, steps));
  if (described.kind === 'missing' && 'available' in described) {
    throw new NixtagError('FLAKE_OUTPUT_MISSING', messages.flakeOutputMissing(request.name, request.display, tried), {
      location,
      detail: messages.flakeOutputsAvailable({ ...described.available, system }),
      hint: messages.flakeOutputMissingHint(directory, system),
    });
  }
  const found = 'path' in described ? installableText(directory, described.path) : request.display;
  if (described.kind !== 'found' || !('value' in described)) {
    if (described.kind.startsWith('leaf-')) {
      throw new NixtagError(
        'NIX_NOT_A_DERIVATION',
        messages.flakeLeafNotString(request.name, found, request.tagFrom, described.kind.slice('leaf-'.length)),
        { location },
      );
    }
    const attrs = ('attrs' in described ? described.attrs : undefined) ?? [];
    if (request.tagFrom === 'imageTag' && attrs.includes('outPath')) {
      throw new NixtagError('NIX_NO_IMAGE_TAG', messages.flakeNoImageTag(request.name, found), {
        location,
        hint: messages.noImageTagHint(),
      });
    }
    throw new NixtagError(
      'NIX_NOT_A_DERIVATION',
      messages.flakeNotADerivation(request.name, found, described.kind, attrs),
      {
        location,
        hint: messages.flakeNotADerivationHint(found),
      },
    );
  }
  if (request.tagFrom === 'imageTag') {
    if (!isNixHash(described.value)) {
      throw new NixtagError('IMAGE_TAG_NOT_HASH', messages.imageTagNotHash(request.name, described.value), {
        location,
        hint: messages.imageTagNotHashHint(),
      });
    }
    return { name: request.name, outPath: described.value, tag: described.value, warnings: [], installable: found };
  }
  const tag = storePathHashPart(described.value);
  if (tag === undefined) {
    throw new NixtagError('NIX_EVAL_FAILED', messages.notAStorePath(described.value), { location });
  }
  return { name: request.name, outPath: described.value, tag, warnings: [], installable: found };
}

/** What Nix prints when it is too old for `nix eval` of flakes, or has them turned off. */
const NO_FLAKES =
  /unrecognised flag '--(?:extra-experimental-features|expr|no-update-lock-file)'|experimental Nix feature '(?:flakes|nix-command)' is disabled|'eval' is not a recognised command/;
/** A lock or flake written for a newer Nix, as an older one refuses it. */
const NEWER_NIX =
  /unsupported \w+ input attribute '\w+'|unsupported lock file version|lock file .* has unsupported version/;
/** Nix could not fetch something (an input the store lacks, offline). */
const FETCH_FAILED =
  /unable to download|Couldn't read a file:\/\/ file|[Cc]ould(?:n't| not) resolve host|Couldn't connect to server|unable to fetch|failed to fetch|cannot download|does not exist and cannot be fetched/;
const UNLOCKED = /cannot update (?:unlocked )?flake input '([^']+)' in pure mode/;

/** The failure said in the user's terms: the input to lock or fetch, the Nix to use, the image. */
async function explain(
  error: NixtagError,
  requests: readonly FlakeImageRequest[],
  checkout: string,
  head: string,
  settings: EvalSettings,
  locks: ReadonlyMap<string, FlakeLock>,
  signal: AbortSignal | undefined,
  options: FlakeEvaluateOptions,
): Promise<NixtagError> {
  const detail = error.detail ?? '';
  const version = await nixVersion(checkout);
  if (NO_FLAKES.test(detail)) {
    return new NixtagError('NIX_NO_FLAKES', messages.nixNoFlakes(version), {
      hint: messages.nixNoFlakesHint(),
      detail,
      cause: error,
    });
  }
  // Each image alone, to name the one whose flake fails (others may be fine).
  let failing = requests;
  if (requests.length > 1) {
    for (const request of requests) {
      const alone = await runFlakes([request], checkout, head, settings, signal, options).then(
        () => undefined,
        (single: unknown) => single,
      );
      if (alone instanceof NixtagError && alone.code !== 'NIX_EVAL_FAILED') return alone;
      if (alone !== undefined) {
        failing = [request];
        break;
      }
    }
  }
  const directory = failing[0]!.installable.directory;
  const lockFile = directory === '' ? 'flake.lock' : `${directory}/flake.lock`;
  const unlocked = UNLOCKED.exec(detail)?.[1];
  if (unlocked !== undefined) {
    return new NixtagError('FLAKE_LOCK_INVALID', messages.flakeInputUnlocked(lockFile, unlocked), {
      location: { file: lockFile },
      hint: messages.flakeLockHint(),
      detail,
      cause: error,
    });
  }
  if (FETCH_FAILED.test(detail)) {
    const missing = await missingInputs(checkout, locks.get(directory)?.inputs ?? []);
    return new NixtagError(
      'FLAKE_INPUT_MISSING',
      missing.length > 0
        ? messages.flakeInputMissing(
            lockFile,
            missing.map((name) => `'${name}'`),
          )
        : messages.flakeFetchFailed(lockFile),
      { location: { file: lockFile }, hint: messages.flakeInputMissingHint(directory), detail, cause: error },
    );
  }
  const older = olderThan(version, 2, 19);
  const message =
    failing.length === 1
      ? messages.flakeEvalFailed(failing[0]!.name, failing[0]!.display)
      : messages.flakeEvalFailedAll(failing.map((request) => request.name));
  return new NixtagError(NEWER_NIX.test(detail) ? 'NIX_TOO_OLD' : 'NIX_EVAL_FAILED', message, {
    location: { file: flakeFile(directory) },
    detail,
    hint: NEWER_NIX.test(detail)
      ? messages.nixTooOldHint(version, options.ciNixVersion ?? null)
      : older
        ? `${messages.flakeEvalHint()} ${messages.nixTooOldHint(version, options.ciNixVersion ?? null)}`
        : messages.flakeEvalHint(),
    cause: error,
  });
}

/** The names of the locked inputs whose store path this store lacks. */
export async function missingInputs(cwd: string, inputs: readonly { name: string; locked: Record<string, unknown> }[]) {
  const paths = inputs.flatMap((input) => {
    const storePath = typeof input.locked.narHash === 'string' ? lockedStorePath(input.locked.narHash) : undefined;
    return storePath === undefined ? [] : [{ name: input.name, storePath }];
  });
  if (paths.length === 0) return [];
  const run = await nixStore(invalidPathsArgs(paths.map((entry) => entry.storePath)), cwd).catch(() => undefined);
  if (run === undefined) return [];
  const invalid = new Set(run.stdout.split('\n').filter(Boolean));
  return [...new Set(paths.filter((entry) => invalid.has(entry.storePath)).map((entry) => entry.name))];
}

/** The version `nix --version` prints (`2.8.0`), or '' when it cannot say. */
async function nixVersion(cwd: string): Promise<string> {
  const run = await nixCommand(versionArgs(), cwd).catch(() => undefined);
  return /(\d+\.\d+(?:\.\d+)?)/.exec(run?.stdout ?? '')?.[1] ?? '';
}

function olderThan(version: string, major: number, minor: number): boolean {
  const [haveMajor, haveMinor] = version.split('.').map(Number);
  if (haveMajor === undefined || haveMinor === undefined || Number.isNaN(haveMinor)) return false;
  return haveMajor < major || (haveMajor === major && haveMinor < minor);
}
