import { readReference, type ReferenceSummary } from '../manifest/resolve.js';
import { rewriteManifest } from '../manifest/rewrite.js';
import { scanManifest, type ScannedManifest } from '../manifest/scan.js';
import type { ReferenceResult } from '../types.js';
import { compareReferences, staleChanges, type Comparison } from './compare.js';
import type { ExpectedTags } from './evaluation.js';
import { imageFor, writtenReferences, type ResolvedImage } from './images.js';
import type { ManifestEntry } from './manifestEntry.js';
import { followRenames } from './renames.js';

/** Compares one manifest's references with the run's expected tags, rewriting nothing: check's path on text. */
export function compareText(
  file: string,
  text: string,
  images: readonly ResolvedImage[],
  tags: ExpectedTags,
  elsewhere: readonly ReferenceSummary[] = [],
): { manifest: ScannedManifest; comparisons: Comparison[] } {
  const { scanned } = scanManifest(file, text, true);
  const references = scanned.occurrences.map(readReference).filter((reference) => reference !== undefined);
  // A kustomize entry's name is matched against the references the other manifests write too.
  const written = writtenReferences([...elsewhere, ...references]);
  const entry: ManifestEntry = {
    file,
    parsed: scanned,
    target: file,
    readOnly: undefined,
    references: references.map((reference) => ({ reference, image: imageFor(reference, images, written) })),
  };
  followRenames([entry], () => images);
  return { manifest: scanned, comparisons: compareReferences([entry], tags) };
}

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
  elsewhere: readonly ReferenceSummary[] = [],
): { text: string; references: ReferenceResult[] } {
  const { manifest, comparisons } = compareText(file, text, images, tags, elsewhere);
  const changes = staleChanges(manifest, comparisons);
  return {
    text: changes.length === 0 ? text : rewriteManifest(manifest, changes),
    references: comparisons.map((comparison) => comparison.result),
  };
}
