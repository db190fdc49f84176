import type { CheckResult } from '../types.js';
import { compareReferences, type Comparison } from './compare.js';
import { evaluationKey, startEvaluation, type Evaluation, type ExpectedTags } from './evaluation.js';
import { speculativeImages, type ResolvedImage } from './images.js';
import { findReferences, referencedImages, type Scan } from './references.js';
import type { Session } from './session.js';

/** One look at a session's tree: its references, the expected tags, and how they compare. */
export interface Inspection {
  scan: Scan;
  comparisons: Comparison[];
  warnings: string[];
  /** The expected tags of the images that references name. */
  tags: ExpectedTags;
  /** No Nix call was needed: the tags came from the cache, or nothing needed a tag. */
  cached: boolean;
}

const sameKeys = (a: readonly ResolvedImage[], b: readonly ResolvedImage[]) => {
  const keys = new Set(a.map(evaluationKey));
  return keys.size === new Set(b.map(evaluationKey)).size && b.every((image) => keys.has(evaluationKey(image)));
};

/**
 * The tags of the images references name, from the evaluation started before they were known
 * when it covers them. When it does not, or it failed while evaluating more than was needed (an
 * image no reference names), they are evaluated again, alone.
 */
async function tagsOfNeeded(
  session: Session,
  speculative: readonly ResolvedImage[],
  evaluation: Evaluation,
  needed: readonly ResolvedImage[],
): Promise<{ tags: ExpectedTags; cached: boolean }> {
  const outcome = await evaluation.tagsFor(needed).then(
    (tags) => ({ tags }),
    (error: unknown) => ({ error }),
  );
  if ('tags' in outcome && outcome.tags !== undefined) return { tags: outcome.tags, cached: evaluation.cached };
  if ('error' in outcome && sameKeys(speculative, needed)) throw outcome.error;
  evaluation.cancel();
  const retry = startEvaluation(session, needed);
  return { tags: (await retry.tagsFor(needed))!, cached: retry.cached };
}

/**
 * Evaluates and compares. Nix starts as soon as the images are known (every configured image, or
 * the root default.nix), while the manifests are read; an evaluation nothing turns out to need is
 * cancelled.
 */
export async function inspectSession(session: Session): Promise<Inspection> {
  const speculative = speculativeImages(session.config, session.images, session.entries);
  const evaluation = startEvaluation(session, speculative);
  try {
    // Reading YAML is main-thread work; started first, it would delay the steps before Nix.
    await evaluation.started;
    const scan = await findReferences(session);
    const needed = referencedImages(scan);
    if (scan.skipped || needed.length === 0) {
      return { scan, comparisons: [], warnings: scan.warnings, tags: new Map(), cached: true };
    }
    const { tags, cached } = await tagsOfNeeded(session, speculative, evaluation, needed);
    const warnings = [...scan.warnings, ...[...tags.values()].flatMap((tag) => tag.warnings)];
    return { scan, comparisons: compareReferences(scan.manifests, tags), warnings, tags, cached };
  } finally {
    evaluation.cancel();
  }
}

/** The result `check` and `fix` report for an inspection. */
export function resultOf(inspection: Inspection, session: Session): CheckResult {
  const references = inspection.comparisons.map((comparison) => comparison.result);
  return {
    ok: references.every((reference) => reference.status !== 'stale'),
    references,
    warnings: inspection.warnings,
    evaluated: !inspection.cached,
    judged: session.tree.source.kind,
    ...(inspection.scan.skipped ? { skipped: true } : {}),
  };
}
