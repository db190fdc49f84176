import type { ImageEvaluation } from '../nix/evaluate.js';
import { expectedReference, planRewrite, repositoryRebound, type PlannedRewrite } from '../manifest/resolve.js';
import type { ManifestEntry, FoundReference } from './session.js';
import type { ReferenceResult } from '../types.js';

export interface Comparison {
  entry: ManifestEntry;
  found: FoundReference;
  /** Index of the occurrence in its manifest; -1 for unmanaged references. */
  index: number;
  result: ReferenceResult;
  expectedTag?: string;
  /** For a stale reference: the edits that make it current, or why it cannot be edited in place. */
  plan?: PlannedRewrite | Error;
}

/** Compares every reference with its image's expected tag. */
export function compareReferences(
  manifests: readonly ManifestEntry[],
  evaluations: ReadonlyMap<string, ImageEvaluation>,
): Comparison[] {
  const comparisons: Comparison[] = [];
  for (const entry of manifests) {
    for (const found of entry.references) {
      const { reference, image } = found;
      const base = {
        file: entry.manifest.file,
        line: reference.occurrence.position.line,
        column: reference.occurrence.position.column,
        current: reference.current,
      };
      const evaluation = image && evaluations.get(image.name);
      if (image === undefined || evaluation === undefined) {
        comparisons.push({
          entry,
          found,
          index: -1,
          result: { ...base, image: null, expected: null, status: 'unmanaged' },
        });
        continue;
      }
      const occurrenceIndex = entry.manifest.occurrences.indexOf(reference.occurrence);
      const expected = expectedReference(reference, image, evaluation.tag);
      const rebound = repositoryRebound(reference, image);
      if (reference.tag === evaluation.tag && !rebound) {
        comparisons.push({
          entry,
          found,
          index: occurrenceIndex,
          result: { ...base, image: image.name, expected, status: 'ok' },
        });
        continue;
      }
      let plan: PlannedRewrite | Error;
      try {
        plan = planRewrite(entry.manifest.file, entry.manifest.text, reference, image, evaluation.tag);
      } catch (error) {
        plan = error as Error;
      }
      const digestDropped = reference.digest !== undefined;
      comparisons.push({
        entry,
        found,
        index: occurrenceIndex,
        plan,
        expectedTag: evaluation.tag,
        result: {
          ...base,
          image: image.name,
          expected,
          status: 'stale',
          ...(digestDropped ? { digestDropped } : {}),
          ...(rebound ? { repositoryChanged: true } : {}),
        },
      });
    }
  }
  return comparisons;
}
