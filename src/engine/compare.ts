import type { ImageEvaluation } from '../nix/evaluate.js';
import { expectedReference, planRewrite, repositoryRebound, type RewritePlan } from '../manifest/resolve.js';
import type { TagChange } from '../manifest/rewrite.js';
import type { ReferenceResult } from '../types.js';
import type { ExpectedTags } from './evaluation.js';
import type { FoundReference, ManifestEntry } from './references.js';

export interface Comparison {
  entry: ManifestEntry;
  found: FoundReference;
  /** Index of the occurrence in its manifest; -1 for unmanaged references. */
  index: number;
  result: ReferenceResult;
  /** For a stale reference: the expected tag, and the edits that make it current (or why there are none). */
  stale?: { tag: string; plan: RewritePlan } | undefined;
}

function compareOne(entry: ManifestEntry, found: FoundReference, evaluation: ImageEvaluation | undefined): Comparison {
  const { reference, image } = found;
  const base = {
    file: entry.manifest.file,
    line: reference.occurrence.position.line,
    column: reference.occurrence.position.column,
    current: reference.current,
  };
  if (image === undefined || evaluation === undefined) {
    return { entry, found, index: -1, result: { ...base, image: null, expected: null, status: 'unmanaged' } };
  }
  if (evaluation.commitDependent) {
    // No tag can be expected before the commit exists: neither ok nor stale (the warning says why).
    return { entry, found, index: -1, result: { ...base, image: image.name, expected: null, status: 'unmanaged' } };
  }
  const index = entry.manifest.occurrences.indexOf(reference.occurrence);
  const expected = expectedReference(reference, image, evaluation.tag);
  // A whole-reference marker on another repository's value is stale whatever its tag.
  const rebound = repositoryRebound(reference, image);
  if (reference.tag === evaluation.tag && !rebound) {
    return { entry, found, index, result: { ...base, image: image.name, expected, status: 'ok' } };
  }
  const plan = planRewrite(entry.manifest.file, entry.manifest.text, reference, image, evaluation.tag);
  const digestDropped = reference.digest !== undefined;
  return {
    entry,
    found,
    index,
    stale: { tag: evaluation.tag, plan },
    result: {
      ...base,
      image: image.name,
      expected,
      status: 'stale',
      ...(digestDropped ? { digestDropped } : {}),
      ...(rebound ? { repositoryChanged: true } : {}),
    },
  };
}

/** Compares every reference with its image's expected tag. */
export function compareReferences(manifests: readonly ManifestEntry[], tags: ExpectedTags): Comparison[] {
  return manifests.flatMap((entry) =>
    entry.references.map((found) => compareOne(entry, found, found.image && tags.get(found.image.name))),
  );
}

/**
 * The tag changes that make these comparisons' stale references current, for rewriteManifest.
 * A stale reference that cannot be edited in place is an error: nothing may be half-fixed.
 */
export function staleChanges(comparisons: readonly Comparison[]): TagChange[] {
  return comparisons.flatMap((comparison) => {
    if (comparison.stale === undefined) return [];
    const { tag, plan } = comparison.stale;
    if (plan.kind === 'refused') throw plan.error;
    return [{ index: comparison.index, tag, plan }];
  });
}
