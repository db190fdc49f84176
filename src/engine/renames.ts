import { canonicalRepository } from '../manifest/reference.js';
import { isNixHash } from '../nix/storePath.js';
import type { ResolvedImage } from './images.js';
import type { ManifestEntry } from './manifestEntry.js';

/**
 * kustomize entries that rename an image to a managed repository and set no tag (`name: app`,
 * `newName: registry/app`): the base's references to `app` deploy as `registry/app` with their own
 * tags, so they are that image's (where the image's manifests reach them). The entries themselves
 * are no references; their lines are managed ones, never mentions.
 */
export function followRenames(
  manifests: ManifestEntry[],
  candidates: (index: number) => readonly ResolvedImage[],
): Array<{ file: string; line: number }> {
  const renamed = new Map<string, ResolvedImage>();
  const lines: Array<{ file: string; line: number }> = [];
  for (const entry of manifests) {
    entry.references = entry.references.filter(({ reference, image }) => {
      const { renames } = reference.occurrence;
      if (renames === undefined) return true;
      const canonical = canonicalRepository(renames);
      if (image !== undefined && canonical !== undefined) {
        renamed.set(canonical, image);
        lines.push(...reference.occurrence.lines.map((line) => ({ file: entry.file, line })));
      }
      return false;
    });
  }
  if (renamed.size === 0) return lines;
  manifests.forEach((entry, index) => {
    for (const found of entry.references) {
      const image = found.image === undefined ? renamed.get(found.reference.canonical ?? '') : undefined;
      if (image === undefined || !candidates(index).includes(image)) continue;
      // Without configuration, only a Nix hash tag makes a reference the image's.
      if (image.inferred && (found.reference.tag === undefined || !isNixHash(found.reference.tag))) continue;
      found.image = image;
    }
  });
  return lines;
}
