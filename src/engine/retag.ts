import { readReference } from '../manifest/resolve.js';
import { rewriteManifest } from '../manifest/rewrite.js';
import { scanManifest } from '../manifest/scan.js';
import { compareReferences } from './compare.js';
import { imageFor, type ResolvedImage } from './images.js';
import type { ManifestEntry } from './session.js';
import type { ReferenceResult } from '../types.js';

/** Compares one manifest's references with the expected tag of each image, rewriting nothing. */
export function compareText(
  file: string,
  text: string,
  images: readonly ResolvedImage[],
  tags: ReadonlyMap<string, string>,
) {
  const outcome = scanManifest(file, text, true);
  if (!('scanned' in outcome)) throw new Error(outcome.skipped.message);
  const entry: ManifestEntry = {
    manifest: outcome.scanned,
    target: file,
    references: outcome.scanned.occurrences
      .map(readReference)
      .filter((reference) => reference !== undefined)
      .map((reference) => ({ reference, image: imageFor(reference, images) })),
  };
  const evaluations = new Map(
    [...tags].map(([name, tag]) => [name, { name, outPath: '', tag, warnings: [] as string[] }]),
  );
  return { manifest: outcome.scanned, comparisons: compareReferences([entry], evaluations) };
}

/**
 * One manifest's text with every stale tag replaced, given the expected tag of each image: the
 * compare-and-rewrite path of `fix`, on text (a working-tree copy beside a staged one, a test's
 * fixture). Returns the text unchanged when nothing is stale.
 */
export function retagText(
  file: string,
  text: string,
  images: readonly ResolvedImage[],
  tags: ReadonlyMap<string, string>,
): { text: string; references: ReferenceResult[] } {
  const { manifest, comparisons } = compareText(file, text, images, tags);
  const changes = comparisons
    .filter((comparison) => comparison.result.status === 'stale')
    .map((comparison) => {
      if (comparison.plan === undefined || comparison.plan instanceof Error)
        throw comparison.plan ?? new Error('no plan');
      return { index: comparison.index, tag: comparison.expectedTag!, plan: comparison.plan };
    });
  return {
    text: changes.length === 0 ? text : rewriteManifest(manifest, changes),
    references: comparisons.map((comparison) => comparison.result),
  };
}
