import { readFileSync } from 'node:fs';
import type { ResolvedImage } from '../../src/engine/images.js';
import { retagText } from '../../src/engine/retag.js';
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
    config: { name, repository, nix: 'default.nix', attr: null, args: {}, tagFrom: 'outPath' },
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
  const evaluation = { outPath: `/nix/store/${tag}-image`, tag, warnings: [] };
  return retagText(
    file,
    text,
    images,
    new Map(images.map((image) => [image.name, { name: image.name, ...evaluation }])),
  );
}

export function readText(file: string): string {
  return readFileSync(file).toString('utf8');
}
