import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { AttrStep } from './attrPath.js';
import { evaluationArgs, type EvalSettings } from './commandLine.js';
import { batchExpression, type NixArg } from './expression.js';
import { nixInstantiate } from './nixInstantiate.js';
import { storePathHashPart } from './storePath.js';

export type TagSource = 'outPath' | 'imageTag';

export interface ImageRequest {
  name: string;
  /** Absolute path of the expression file in the evaluated tree. */
  file: string;
  /** The file as the user names it, for messages. */
  displayFile: string;
  attrPath: AttrStep[];
  args: Record<string, NixArg>;
  tagFrom: TagSource;
}

export interface ImageEvaluation {
  name: string;
  outPath: string;
  /** The tag CI pushes: the output path's hash part, or the image's own `imageTag`. */
  tag: string;
  warnings: string[];
}

type Described =
  | { kind: 'derivation'; outputs: string[]; outStorePath: string | null; imageTag: string | null }
  | { kind: string; size: number };

/**
 * Evaluates every image with `nix-instantiate --eval`, which prints the same output path as
 * n2k8s's `nix-instantiate | xargs nix-store -q` without writing to the store. Images whose files
 * share a directory are evaluated by one process run in that directory, as n2k8s runs there.
 */
export async function evaluateImages(
  requests: readonly ImageRequest[],
  settings: EvalSettings,
  signal?: AbortSignal,
  limits: EvalLimits = {},
): Promise<ImageEvaluation[]> {
  const results = new Map<ImageRequest, ImageEvaluation>();
  const byDirectory = Map.groupBy(requests, (request) => path.dirname(request.file));
  // The first failure ends the other directories' Nix processes: nobody waits for them.
  const failed = new AbortController();
  const stop = signal === undefined ? failed.signal : AbortSignal.any([signal, failed.signal]);
  await Promise.all(
    [...byDirectory].map(async ([directory, group]) => {
      const answerMarker = `nixtag-answer-${process.pid}-${Math.random().toString(36).slice(2)}:`;
      const run = await nixInstantiate(evaluationArgs(settings, batchExpression(group, answerMarker)), directory, {
        signal: stop,
        answerMarker,
        images: group.map((request) => request.name),
        restricted: settings.restrict !== undefined,
        ...limits,
      }).catch((error: unknown) => {
        failed.abort(error);
        throw error;
      });
      const described = JSON.parse(run.stdout) as Described[];
      group.forEach((request, index) => results.set(request, interpret(request, described[index]!)));
    }),
  );
  return requests.map((request) => results.get(request)!);
}

export interface EvalLimits {
  /** Seconds one evaluation may take (evaluation.timeout). */
  timeoutSeconds?: number | undefined;
  /** MiB of address space (evaluation.memoryLimit). */
  memoryLimitMb?: number | undefined;
}

function interpret(request: ImageRequest, described: Described): ImageEvaluation {
  const location = { file: request.displayFile };
  if (!('outputs' in described)) {
    throw new NixtagError(
      'NIX_NOT_A_DERIVATION',
      messages.notADerivation(request.name, described.kind, described.size),
      { location, hint: messages.notADerivationHint() },
    );
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
    tag = described.imageTag;
  } else {
    tag = storePathHashPart(described.outStorePath);
  }
  if (tag === undefined) {
    throw new NixtagError('NIX_EVAL_FAILED', messages.notAStorePath(described.outStorePath), { location });
  }
  return { name: request.name, outPath: described.outStorePath, tag, warnings };
}
