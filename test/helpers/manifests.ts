import { readFileSync } from 'node:fs';
import type { ResolvedImage } from '../../src/engine/images.js';
import { compareText, retagText } from '../../src/engine/retag.js';
import type { ReferenceResult } from '../../src/types.js';
import { canonicalRepository } from '../../src/manifest/reference.js';

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
    config: { name, repository, nix: 'default.nix', attr: null, args: {}, tagFrom: 'outPath', optional: false },
  }));
}

/** What `nixtag fix` does to one manifest once Nix has answered `tag` for every image. */
export function fixText(
  file: string,
  text: string,
  specs: readonly ImageSpec[],
  tag: string,
): { text: string; references: ReferenceResult[] } {
  const images = resolvedImages(specs);
  return retagText(file, text, images, expectedTags(images, tag));
}

/** The expected tags of a run in which Nix answered `tag` for every image. */
function expectedTags(images: readonly ResolvedImage[], tag: string) {
  const evaluation = { outPath: `/nix/store/${tag}-image`, tag, warnings: [] };
  return new Map(images.map((image) => [image.name, { name: image.name, ...evaluation }]));
}

/** What `nixtag check` says of one manifest once Nix has answered `tag` for every image. */
export function checkText(
  file: string,
  text: string,
  specs: readonly ImageSpec[],
  tag: string,
): { references: ReferenceResult[] } {
  const images = resolvedImages(specs);
  const { comparisons } = compareText(file, text, images, expectedTags(images, tag));
  return { references: comparisons.map((comparison) => comparison.result) };
}

export function readText(file: string): string {
  return readFileSync(file).toString('utf8');
}
