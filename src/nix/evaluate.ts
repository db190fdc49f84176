import { realpathSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { AttrStep } from './attrPath.js';
import { evaluationArgs, type Diagnostics, type EvalSettings } from './commandLine.js';
import { batchExpression, type NixArg } from './expression.js';
import { instantiatedCount } from './instantiatedCount.js';
import { nixInstantiate } from './nixInstantiate.js';
import { isNixHash, storePathHashPart } from './storePath.js';
import type { Moving } from './source/moving.js';

type TagSource = 'outPath' | 'imageTag';

export interface ImageRequest {
  name: string;
  /** Absolute path of the expression file in the evaluated tree. */
  file: string;
  /** The file as the user names it, for messages. */
  displayFile: string;
  attrPath: AttrStep[];
  args: Record<string, NixArg>;
  tagFrom: TagSource;
  /** The checkout the file lies in: a derivation whose attributes name it has no tag CI shares. */
  checkout?: string | undefined;
}

export interface ImageEvaluation {
  name: string;
  outPath: string;
  /** The tag CI pushes: the output path's hash part, or the image's own `imageTag`. */
  tag: string;
  warnings: string[];
  /**
   * The tag changes with the commit (the expression reads `rev`, `revCount` or `lastModified` of
   * the checkout through `fetchGit`, or copies `.git` in): a tree that is not committed yet cannot
   * be judged.
   */
  commitDependent?: boolean;
  /** The evaluation read the checkout's commit: its tag holds for that commit, not for its tree. */
  commitBound?: boolean;
  /**
   * The tag depends on the bytes of the checkout's `.git` (a source takes in the repository root):
   * every clone, CI's too, gets another one, so every deploy fails CI's check. `place`: the
   * literal that most likely takes the root in, when one is found.
   */
  cloneDependent?: { place?: { file: string; line: number; column: number } };
  /** A flake image: the installable its tag was read from (`.#packages.x86_64-linux.web`). */
  installable?: string;
  /** The derivation's own `imageTag` and `imageName`, where it has them (`init` compares both). */
  imageTag?: string | undefined;
  imageName?: string | undefined;
  /**
   * The tag moves with no change to the files: the expression reads the time, or the environment
   * (CI's is not this machine's). Its references cannot be judged.
   */
  moving?: Moving;
  /**
   * The derivation's attributes hold the checkout's absolute path (`toString ./app`): its tag
   * differs in every directory a clone lies in, CI's too.
   */
  holdsCheckoutPath?: boolean;
  /** The tag moved, or the evaluation failed, in a second checkout at another place: what may move it (engine/checkoutLocation.ts). */
  movesWithLocation?: string;
}

type Described =
  | {
      kind: 'derivation';
      outputs: string[];
      outStorePath: string | null;
      imageTag: string | null;
      imageName?: string | null;
      holdsCheckoutPath?: boolean;
      via?: string[];
      /** One derivation reached as several values, at these attribute paths (instantiatedCount.ts). */
      twice?: { container: string; paths: string[][] } | null;
    }
  | { kind: 'derivations'; container: string; paths: string[][] }
  | { kind: string };

export interface Evaluated {
  /** One per request, in order. */
  evaluations: ImageEvaluation[];
  /** Absolute paths of every file Nix parsed for them. */
  evaluatedFiles: string[];
}

/**
 * Which requests can share one process: all of them, since the batch imports every file by
 * absolute path and Nix evaluates each file once, so a nixpkgs they share is paid once; except
 * that a `--arg` expression is parsed relative to the working directory, so images given one are
 * evaluated in their own directory, as n2k8s runs there.
 */
function batches(requests: readonly ImageRequest[]): Array<{ directory: string; group: ImageRequest[] }> {
  const groups = Map.groupBy(requests, (request) =>
    Object.values(request.args).some((arg) => 'expr' in arg) ? path.dirname(request.file) : '',
  );
  return [...groups].map(([key, group]) => ({ directory: key || path.dirname(group[0]!.file), group }));
}

/** What doctor asks of an evaluation beyond the tags: more of Nix's log, another environment. */
export interface EvaluateOptions {
  diagnostics?: Diagnostics | undefined;
  env?: Record<string, string> | undefined;
  /** Receives the files each process parsed, also when it fails. */
  onEvaluatedFiles?: ((files: string[]) => void) | undefined;
  /** Seconds one evaluation may take (evaluation.timeout). */
  timeoutSeconds?: number | undefined;
  /** MiB of address space (evaluation.memoryLimit). */
  memoryLimitMb?: number | undefined;
}

/** A batch's options: the caller's, and read-write once Nix asked for it (needsStoreWrites). */
type BatchOptions = EvaluateOptions & { writesStore?: boolean };

async function runBatch(
  directory: string,
  group: ImageRequest[],
  settings: EvalSettings,
  signal?: AbortSignal,
  options: BatchOptions = {},
) {
  const answerMarker = `nixtag-answer-${process.pid}-${Math.random().toString(36).slice(2)}:`;
  const expression = batchExpression(group, answerMarker, checkoutPaths(group));
  const args = evaluationArgs(settings, expression, options.diagnostics, options.writesStore);
  const run = await nixInstantiate(args, directory, {
    signal,
    answerMarker,
    env: options.env,
    onEvaluatedFiles: options.onEvaluatedFiles,
    images: group.map((request) => request.name),
    restricted: settings.restrict === undefined ? undefined : { enforced: settings.restrict.enforced ?? false },
    unconfined: settings.restrict === undefined,
    timeoutSeconds: options.timeoutSeconds,
    memoryLimitMb: options.memoryLimitMb,
  });
  const described = JSON.parse(run.stdout) as Described[];
  await Promise.all(
    group.map(async (request, index) => {
      const one = described[index]!;
      const twice = 'twice' in one ? one.twice : undefined;
      if (twice === undefined || twice === null) return;
      // nix-instantiate prints as many lines as it reached values: n2k8s's tag is that many lines.
      const count = await instantiatedCount(request, settings, signal);
      if (count !== undefined && count > 1) {
        described[index] = { kind: 'derivations', ...twice };
      }
    }),
  );
  return {
    evaluations: group.map((request, index) => interpret(request, described[index]!)),
    files: run.evaluatedFiles,
  };
}

/**
 * What an absolute path into the requests' checkouts starts with: their parent directories (so that
 * `toString ./..` counts too), as given and with symlinks resolved, as Nix may name either.
 */
function checkoutPaths(group: readonly ImageRequest[]): string[] {
  const given = group.flatMap((request) => (request.checkout === undefined ? [] : [request.checkout]));
  const real = given.map((checkout) => {
    try {
      return realpathSync(checkout);
    } catch {
      return checkout;
    }
  });
  return [...new Set([...given, ...real].map((checkout) => path.dirname(checkout)))];
}

/**
 * A batch that failed is tried one image at a time, so that the error names the image whose
 * evaluation fails (the others may be fine); the first such error is thrown.
 */
async function attribute(
  directory: string,
  group: ImageRequest[],
  settings: EvalSettings,
  error: unknown,
  signal?: AbortSignal,
  options: BatchOptions = {},
): Promise<never> {
  if (group.length > 1 && attributable(error)) {
    for (const request of group) {
      await runBatch(directory, [request], settings, signal, options).catch((single: unknown) => {
        throw attributable(single) ? forImage(request, single) : single;
      });
    }
  }
  throw group.length === 1 && attributable(error) ? forImage(group[0]!, error) : error;
}

/**
 * Nix's words when a read-only evaluation needs a store path it could have written (CI's
 * nix-instantiate writes them): the batch runs again, read-write. Only then, as writing costs.
 */
const needsStoreWrites = (error: unknown): boolean =>
  error instanceof NixtagError &&
  error.code === 'NIX_EVAL_FAILED' &&
  /\bpath '[^']+' is not valid\b/.test(error.detail ?? '');

/** Errors of one image's expression: a failed evaluation, a read or fetch that confinement refused. */
const attributable = (error: unknown): error is NixtagError =>
  error instanceof NixtagError && (error.code === 'NIX_EVAL_FAILED' || error.code === 'NIX_RESTRICTED');

/** The error located at the image's expression file (a refusal keeps its own message, naming what was refused). */
function forImage(request: ImageRequest, error: NixtagError): NixtagError {
  const message =
    error.code === 'NIX_EVAL_FAILED' ? messages.nixEvalFailedFor(request.name, request.displayFile) : error.message;
  return new NixtagError(error.code, message, {
    location: { file: request.displayFile },
    detail: error.detail,
    hint: error.hint,
    cause: error.cause ?? error,
  });
}

/**
 * Evaluates every image with `nix-instantiate --eval`, which prints the same output path as
 * n2k8s's `nix-instantiate | xargs nix-store -q` without writing to the store (unless the
 * expression imports what it writes there: see needsStoreWrites): in one process where it can
 * (see batches).
 */
export async function evaluateImages(
  requests: readonly ImageRequest[],
  settings: EvalSettings,
  signal?: AbortSignal,
  options: EvaluateOptions = {},
): Promise<Evaluated> {
  const results = new Map<ImageRequest, ImageEvaluation>();
  const evaluatedFiles = new Set<string>();
  // The first failure ends the other processes: nobody waits for them.
  const failed = new AbortController();
  const stop = signal === undefined ? failed.signal : AbortSignal.any([signal, failed.signal]);
  await Promise.all(
    batches(requests).map(async ({ directory, group }) => {
      let batchOptions: BatchOptions = options;
      const { evaluations, files } = await runBatch(directory, group, settings, stop, batchOptions)
        .catch((error: unknown) => {
          if (!needsStoreWrites(error)) throw error;
          batchOptions = { ...options, writesStore: true };
          return runBatch(directory, group, settings, stop, batchOptions);
        })
        .catch((error: unknown) => attribute(directory, group, settings, error, stop, batchOptions))
        .catch((error: unknown) => {
          failed.abort(error);
          throw error;
        });
      group.forEach((request, index) => results.set(request, evaluations[index]!));
      for (const file of files) evaluatedFiles.add(file);
    }),
  );
  return { evaluations: requests.map((request) => results.get(request)!), evaluatedFiles: [...evaluatedFiles] };
}

function interpret(request: ImageRequest, described: Described): ImageEvaluation {
  const location = { file: request.displayFile };
  if ('paths' in described) {
    // What nix-instantiate collects from a set or list: not one derivation, so no one tag.
    const found = described.paths.map((steps) => steps.join('.'));
    throw new NixtagError(
      'NIX_NOT_A_DERIVATION',
      messages.severalDerivations(request.name, request.displayFile, described.container, found),
      { location, hint: found.length > 0 ? messages.severalDerivationsHint(found) : messages.notADerivationHint() },
    );
  }
  if (!('outputs' in described)) {
    throw new NixtagError('NIX_NOT_A_DERIVATION', messages.notADerivation(request.name, described.kind), {
      location,
      hint: messages.notADerivationHint(),
    });
  }
  if (described.outStorePath === null) {
    throw new NixtagError('NIX_NO_OUT_OUTPUT', messages.noOutOutput(request.name, described.outputs), {
      location,
    });
  }
  const warnings: string[] = [];
  if (described.outputs[0] !== 'out') {
    warnings.push(messages.firstOutputNotOut(request.name, described.outputs[0] ?? ''));
  }
  let tag: string | undefined;
  if (request.tagFrom === 'imageTag') {
    if (described.imageTag === null) {
      throw new NixtagError('NIX_NO_IMAGE_TAG', messages.noImageTag(request.name), {
        location,
        hint: messages.noImageTagHint(),
      });
    }
    if (!isNixHash(described.imageTag)) {
      throw new NixtagError('IMAGE_TAG_NOT_HASH', messages.imageTagNotHash(request.name, described.imageTag), {
        location,
        hint: messages.imageTagNotHashHint(),
      });
    }
    tag = described.imageTag;
  } else {
    tag = storePathHashPart(described.outStorePath);
  }
  if (tag === undefined) {
    throw new NixtagError('NIX_EVAL_FAILED', messages.notAStorePath(described.outStorePath), { location });
  }
  const own = {
    ...(described.imageTag !== null ? { imageTag: described.imageTag } : {}),
    ...(typeof described.imageName === 'string' ? { imageName: described.imageName } : {}),
  };
  const located = described.holdsCheckoutPath === true ? { holdsCheckoutPath: true } : {};
  return { name: request.name, outPath: described.outStorePath, tag, warnings, ...own, ...located };
}
