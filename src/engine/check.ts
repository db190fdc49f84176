import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ImageEvaluation } from '../nix/evaluate.js';
import { compareReferences, type Comparison } from './compare.js';
import {
  defaultImage,
  evaluationKey,
  openSession,
  referencedImages,
  scanManifests,
  startEvaluation,
  type EngineOptions,
  type Scan,
  type Session,
} from './session.js';
import type { CheckResult } from './types.js';

export interface Inspection {
  session: Session;
  scan: Scan;
  comparisons: Comparison[];
  warnings: string[];
}

/**
 * Evaluates and compares. Nix starts as soon as the images are known (every configured image, or
 * the root default.nix), while the manifests are read; an evaluation nothing turns out to need is
 * cancelled, and one that failed on an image no reference names is retried without it.
 */
export async function inspect(options: EngineOptions): Promise<Inspection> {
  const session = await openSession(options);
  const speculative =
    session.images.length > 0 || !existsSync(path.join(session.repository.root, 'default.nix'))
      ? session.images
      : [defaultImage()];
  const evaluation = startEvaluation(session, speculative);
  try {
    // Reading YAML is main-thread work; started first, it would delay the steps before Nix.
    await evaluation.started;
    const scan = await scanManifests(session, options);
    const needed = referencedImages(scan);
    if (scan.skipped || needed.length === 0) return { session, scan, comparisons: [], warnings: scan.warnings };
    const neededKeys = new Set(needed.map(evaluationKey));
    let tags: Map<string, ImageEvaluation>;
    try {
      tags = await evaluation.result;
      if (![...neededKeys].every((key) => tags.has(key))) throw new Error('speculation missed');
    } catch (error) {
      if (speculative.length > 0 && speculative.every((image) => neededKeys.has(evaluationKey(image)))) throw error;
      tags = await startEvaluation(session, needed).result;
    }
    const byName = new Map(needed.map((image) => [image.name, tags.get(evaluationKey(image))!]));
    const warnings = [...scan.warnings, ...[...byName.values()].flatMap((tag) => tag.warnings)];
    return { session, scan, comparisons: compareReferences(scan.manifests, byName), warnings };
  } finally {
    evaluation.cancel();
  }
}

export function resultOf(inspection: Inspection): CheckResult {
  const references = inspection.comparisons.map((comparison) => comparison.result);
  return {
    ok: references.every((reference) => reference.status !== 'stale'),
    references,
    warnings: inspection.warnings,
    ...(inspection.scan.skipped ? { skipped: true } : {}),
  };
}

/** `nixtag check`: is every managed reference equal to what the pipeline will build? */
export async function check(options: EngineOptions): Promise<CheckResult> {
  return resultOf(await inspect(options));
}
