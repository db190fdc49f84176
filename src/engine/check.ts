import { compareReferences, type Comparison } from './compare.js';
import { evaluateSessionImages, openSession, type EngineOptions, type Session } from './session.js';
import type { CheckResult } from './types.js';

/** Images that at least one reference in scope belongs to: only those are evaluated. */
function referencedImages(session: Session) {
  const names = new Set(
    session.manifests.flatMap((entry) => entry.references.flatMap((found) => (found.image ? [found.image.name] : []))),
  );
  return session.images.filter((image) => names.has(image.name));
}

/** Opens a session, evaluates the referenced images and compares every reference. */
export async function inspect(
  options: EngineOptions,
): Promise<{ session: Session; comparisons: Comparison[]; warnings: string[] }> {
  const session = await openSession(options);
  if (session.skipped) return { session, comparisons: [], warnings: session.warnings };
  const evaluations = await evaluateSessionImages(session, referencedImages(session));
  const warnings = [...session.warnings, ...[...evaluations.values()].flatMap((evaluation) => evaluation.warnings)];
  return { session, comparisons: compareReferences(session.manifests, evaluations), warnings };
}

/** `nixtag check`: is every managed reference equal to what the pipeline will build? */
export async function check(options: EngineOptions): Promise<CheckResult> {
  const { session, comparisons, warnings } = await inspect(options);
  const references = comparisons.map((comparison) => comparison.result);
  return {
    ok: references.every((reference) => reference.status !== 'stale'),
    references,
    warnings,
    ...(session.skipped ? { skipped: true } : {}),
  };
}
