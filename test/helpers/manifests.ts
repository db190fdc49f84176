import { readFileSync } from 'node:fs';
import { compareReferences } from '../../src/engine/compare.js';
import { imageFor, type ResolvedImage } from '../../src/engine/images.js';
import type { ManifestEntry } from '../../src/engine/session.js';
import type { ReferenceResult } from '../../src/engine/types.js';
import { canonicalRepository } from '../../src/manifest/reference.js';
import { readReference } from '../../src/manifest/resolve.js';
import { rewriteManifest } from '../../src/manifest/rewrite.js';
import { scanManifest } from '../../src/manifest/scan.js';

export interface ImageSpec {
  name: string;
  repository: string;
}

export function resolvedImages(specs: readonly ImageSpec[]): ResolvedImage[] {
  return specs.map(({ name, repository }) => ({
    name,
    repository,
    canonical: canonicalRepository(repository)!,
    inferred: false,
    config: { name, repository, nix: 'default.nix', attr: null, args: {}, tagFrom: 'outPath' },
  }));
}

/**
 * The engine's compare-and-rewrite path on one file's text, with the expected tag given instead
 * of evaluated: what `nixtag fix` does to a manifest once Nix has answered.
 */
export function fixText(
  file: string,
  text: string,
  specs: readonly ImageSpec[],
  tag: string,
): { text: string; references: ReferenceResult[] } {
  const outcome = scanManifest(file, text, true);
  if (!('scanned' in outcome)) throw new Error(outcome.skipped);
  const images = resolvedImages(specs);
  const entry: ManifestEntry = {
    manifest: outcome.scanned,
    target: file,
    references: outcome.scanned.occurrences
      .map(readReference)
      .filter((reference) => reference !== undefined)
      .map((reference) => ({ reference, image: imageFor(reference, images) })),
  };
  const tags = new Map(images.map((image) => [image.name, { name: image.name, outPath: '', tag, warnings: [] }]));
  const comparisons = compareReferences([entry], tags);
  const changes = comparisons
    .filter((comparison) => comparison.result.status === 'stale')
    .map((comparison) => {
      if (!comparison.plan || comparison.plan instanceof Error) throw comparison.plan ?? new Error('no plan');
      return { index: comparison.index, tag, plan: comparison.plan };
    });
  return {
    text: changes.length === 0 ? text : rewriteManifest(outcome.scanned, changes),
    references: comparisons.map((comparison) => comparison.result),
  };
}

export function readText(file: string): string {
  return readFileSync(file).toString('utf8');
}
