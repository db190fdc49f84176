import { readReference } from '../manifest/resolve.js';
import { rewriteManifest } from '../manifest/rewrite.js';
import { scanManifest } from '../manifest/scan.js';
import type { ReferenceResult } from '../types.js';
import { compareReferences, staleChanges } from './compare.js';
import type { ExpectedTags } from './evaluation.js';
import { imageFor, type ResolvedImage } from './images.js';
import type { ManifestEntry } from './references.js';

/**
 * One manifest's text with every stale tag replaced, given the run's expected tags: fix's
 * compare → plan → rewrite path, on text (a working-tree copy beside a staged one, a test's
 * fixture). Returns the text unchanged when nothing is stale.
 */
export function retagText(
  file: string,
  text: string,
  images: readonly ResolvedImage[],
  tags: ExpectedTags,
): { text: string; references: ReferenceResult[] } {
  const outcome = scanManifest(file, text, true);
  if (!('scanned' in outcome)) throw new Error(outcome.skipped);
  const entry: ManifestEntry = {
    manifest: outcome.scanned,
    target: file,
    references: outcome.scanned.occurrences
      .map(readReference)
      .filter((reference) => reference !== undefined)
      .map((reference) => ({ reference, image: imageFor(reference, images) })),
  };
  const comparisons = compareReferences([entry], tags);
  const changes = staleChanges(comparisons);
  return {
    text: changes.length === 0 ? text : rewriteManifest(outcome.scanned, changes),
    references: comparisons.map((comparison) => comparison.result),
  };
}
