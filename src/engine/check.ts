import type { ImageEvaluation } from '../nix/evaluate.js';
import { compareReferences, type Comparison } from './compare.js';
import {
  evaluationKey,
  referencedImages,
  scanManifests,
  speculativeImages,
  startEvaluation,
  withSession,
  type EngineOptions,
  type Scan,
  type Session,
} from './session.js';
import type { CheckResult } from '../types.js';

export interface Inspection {
  scan: Scan;
  comparisons: Comparison[];
  warnings: string[];
  /** Tags by image name. */
  tags: Map<string, ImageEvaluation>;
  /** No Nix call was needed: the tags came from the cache, or nothing needed a tag. */
  cached: boolean;
}

/**
 * Evaluates and compares. Nix starts as soon as the images are known (every configured image, or
 * the root default.nix), while the manifests are read; an evaluation nothing turns out to need is
 * cancelled, and one that failed on an image no reference names is retried without it.
 */
export async function inspectSession(session: Session, options: EngineOptions): Promise<Inspection> {
  const speculative = speculativeImages(session);
  const evaluation = startEvaluation(session, speculative);
  try {
    // Reading YAML is main-thread work; started first, it would delay the steps before Nix.
    await evaluation.started;
    const scan = await scanManifests(session, options);
    const needed = referencedImages(scan);
    if (scan.skipped || needed.length === 0) {
      return { scan, comparisons: [], warnings: scan.warnings, tags: new Map(), cached: true };
    }
    const neededKeys = new Set(needed.map(evaluationKey));
    let tags: Map<string, ImageEvaluation>;
    let cached = evaluation.cached;
    try {
      tags = await evaluation.result;
      if (![...neededKeys].every((key) => tags.has(key))) throw new Error('speculation missed');
    } catch (error) {
      if (speculative.length > 0 && speculative.every((image) => neededKeys.has(evaluationKey(image)))) throw error;
      const retry = startEvaluation(session, needed);
      tags = await retry.result;
      cached = retry.cached;
    }
    const byName = new Map(needed.map((image) => [image.name, tags.get(evaluationKey(image))!]));
    const warnings = [...scan.warnings, ...[...byName.values()].flatMap((tag) => tag.warnings)];
    return { scan, comparisons: compareReferences(scan.manifests, byName), warnings, tags: byName, cached };
  } finally {
    evaluation.cancel();
  }
}

const FIX_COMMANDS = {
  worktree: 'nixtag fix',
  index: 'nixtag fix --staged',
  rev: 'nixtag fix',
} as const;

export function resultOf(inspection: Inspection, session: Session): CheckResult {
  const references = inspection.comparisons.map((comparison) => comparison.result);
  return {
    ok: references.every((reference) => reference.status !== 'stale'),
    references,
    warnings: inspection.warnings,
    evaluated: !inspection.cached,
    fixCommand: FIX_COMMANDS[session.source.kind],
    ...(inspection.scan.skipped ? { skipped: true } : {}),
  };
}

/** `nixtag check`: is every managed reference equal to what the pipeline will build? */
export async function check(options: EngineOptions): Promise<CheckResult> {
  return withSession(options, async (session) => resultOf(await inspectSession(session, options), session));
}
