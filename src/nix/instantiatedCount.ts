import path from 'node:path';
import type { AttrStep } from './attrPath.js';
import { nixOptions, type EvalSettings } from './commandLine.js';
import type { NixArg } from './expression.js';
import { nixInstantiate } from './nixInstantiate.js';

/** What of an image's request (evaluate.ts's ImageRequest) the count needs. */
interface CountedImage {
  name: string;
  file: string;
  attrPath: readonly AttrStep[];
  args: Record<string, NixArg>;
}

/**
 * How many derivations n2k8s's `nix-instantiate` prints for an image: it counts values, not
 * paths (Nix's getDerivations remembers the sets it has seen), so one derivation reached as two
 * values (`{ image = mk 1; latest = mk 2; }`) is printed twice and CI's tag is two lines, while
 * one value reached twice (`rec { image = …; latest = image; }`) is printed once. No expression
 * can tell the two apart; nix-instantiate itself, read-only (it computes the `.drv` paths
 * without writing them, 2.8 and 2.26), can. Asked only where the batch saw one path reached
 * twice. Undefined when it cannot say (it failed): the batch's answer stands.
 */
export async function instantiatedCount(
  request: CountedImage,
  settings: EvalSettings,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const args = Object.entries(request.args).flatMap(([name, value]) =>
    'string' in value ? ['--argstr', name, value.string] : ['--arg', name, value.expr],
  );
  const attr = request.attrPath.length === 0 ? [] : ['-A', attrPathText(request.attrPath)];
  const readOnly = settings.allowImportFromDerivation ? [] : ['--readonly-mode'];
  const run = await nixInstantiate(
    [...nixOptions(settings), ...readOnly, ...args, request.file, ...attr],
    path.dirname(request.file),
    {
      signal,
      images: [request.name],
      unconfined: settings.restrict === undefined,
    },
  ).catch(() => undefined);
  if (run === undefined) return undefined;
  return run.stdout.split('\n').filter((line) => line.endsWith('.drv') || line.includes('.drv!')).length;
}

/** An attribute path as `-A` reads it: a step with a dot or a quote quoted. */
function attrPathText(steps: readonly AttrStep[]): string {
  return steps
    .map((step) => ('index' in step ? String(step.index) : /^[^."]+$/.test(step.name) ? step.name : `"${step.name}"`))
    .join('.');
}
