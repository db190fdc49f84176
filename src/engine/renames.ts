import { entryDecides } from '../manifest/shapes/kustomizeApply.js';
import { kustomizeNameMatcher, type NameMatcher } from '../manifest/shapes/kustomizeNames.js';
import type { Occurrence } from '../manifest/shapes/types.js';
import { isNixHash } from '../nix/storePath.js';
import type { ReferenceSummary } from '../manifest/resolve.js';
import { parseImageReference } from '../manifest/reference.js';
import type { ResolvedImage } from './images.js';
import type { ManifestEntry } from './manifestEntry.js';

/** A kustomize entry that sets no tag but renames an image or appends a suffix to its tags. */
interface Rename {
  /** What kustomize matches its `name` with (Go's regexp), against a reference as written. */
  matcher: NameMatcher;
  /** The managed image it renames to (`newName`); undefined where it keeps the name and only appends a suffix. */
  image: ResolvedImage | undefined;
  /** With `image`: the name written as its `newName`, which the entries of kustomizations over it then match. */
  newName: string | undefined;
  tagSuffix: { suffix: string; file: string; line: number } | undefined;
  /** Its kustomization's entries and its index among them: a later one may retag what it leaves. */
  order: Occurrence['order'];
}

/**
 * Whether a rename reaches a base's reference as kustomize applies its kustomization's entries in
 * turn: its name matches it, and no later entry sets the tag of what it left (then the base's tag
 * is not what is deployed, and the later entry is what is judged). Another entry of the same
 * kustomization is left to `appliesTo`.
 */
function renameReaches(rename: Rename, image: string, reference: ReferenceSummary): boolean {
  if (!rename.matcher.test(image)) return false;
  const { order } = rename;
  if (order === undefined || reference.occurrence.context === 'kustomize') return true;
  return entryDecides(image, order.entries, order.index);
}

/** A reference under another name, its tag and digest kept (what an entry's `newName` deploys). */
function renamed(reference: ReferenceSummary, newName: string): string {
  const parsed = parseImageReference(reference.current);
  if (parsed === undefined) return newName;
  return `${newName}${parsed.tag === undefined ? '' : `:${parsed.tag}`}${parsed.digest === undefined ? '' : `@${parsed.digest}`}`;
}

/** Whether the kustomization `from`'s transformers reach the file `to` (engine/references.ts). */
export type Reaches = (from: string, to: string) => boolean;

/**
 * Whether a suffix reaches a reference: a resource's tag always; another `images:` entry's only
 * when it comes before it in the same kustomization (kustomize applies the entries in order, so a
 * later `newTag` replaces the suffixed tag). Entries of other kustomizations are left as read.
 */
function appliesTo(suffix: Rename['tagSuffix'], file: string, reference: ReferenceSummary, reaches: Reaches): boolean {
  if (suffix === undefined || !reaches(suffix.file, file)) return false;
  const { context, position } = reference.occurrence;
  return context !== 'kustomize' || (file === suffix.file && position.line < suffix.line);
}

/**
 * kustomize entries that rename an image to a managed repository and set no tag (`name: app`,
 * `newName: registry/app`): the base's references that `name` matches, as kustomize matches it
 * (Go's regexp on the reference as written, case and all: `ap+` reaches `app:v1`, `App` does
 * not), deploy as `registry/app` with their own tags, so they are that image's (where the
 * image's manifests reach them). An entry's `tagSuffix` (with or without `newName`) is appended
 * to those tags: the references its kustomization reaches (`reaches`; every one when not told)
 * that its name matches carry it, and are never current (engine/compare.ts). The entries
 * themselves are no references; their lines are managed ones, never mentions.
 */
export function followRenames(
  manifests: ManifestEntry[],
  candidates: (index: number) => readonly ResolvedImage[],
  reaches: Reaches = () => true,
): Array<{ file: string; line: number }> {
  const renames: Rename[] = [];
  const lines: Array<{ file: string; line: number }> = [];
  for (const entry of manifests) {
    entry.references = entry.references.filter(({ reference, image }) => {
      const { renames: name, tagSuffix, position, namePattern, order } = reference.occurrence;
      if (name === undefined) return true;
      const matcher = kustomizeNameMatcher(name);
      if (image !== undefined && matcher !== undefined) {
        const suffix =
          tagSuffix === undefined ? undefined : { suffix: tagSuffix, file: entry.file, line: position.line };
        // Without `newName` the entry is matched as a pattern (namePattern): it keeps each base's image.
        const newName = namePattern === undefined ? reference.occurrence.repository : undefined;
        renames.push({ matcher, image: newName === undefined ? undefined : image, newName, tagSuffix: suffix, order });
        lines.push(...reference.occurrence.lines.map((line) => ({ file: entry.file, line })));
      }
      return false;
    });
  }
  if (renames.length === 0) return lines;
  // Renames first: a suffix an entry of another kustomization appends is matched against the base
  // as written and as a rename left it (a base's `app` renamed, an overlay's suffix on the new
  // name). Which kustomization is over which is not asked: a suffix matched too often blocks, a
  // suffix missed would pass a tag kustomize changes.
  renames.sort((a, b) => Number(a.image === undefined) - Number(b.image === undefined));
  manifests.forEach((entry, index) => {
    for (const found of entry.references) {
      const names = [found.reference.current];
      for (const rename of renames) {
        const subjects = rename.image === undefined ? names : [found.reference.current];
        if (!subjects.some((subject) => renameReaches(rename, subject, found.reference))) continue;
        if (rename.image !== undefined) {
          if (!candidates(index).includes(rename.image)) continue;
          if (found.image === undefined) {
            // Without configuration, only a Nix hash tag makes a reference the image's.
            const tag = found.reference.tag;
            if (rename.image.inferred && (tag === undefined || !isNixHash(tag))) continue;
            found.image = rename.image;
          }
          if (found.image !== rename.image) continue;
          if (rename.newName !== undefined) names.push(renamed(found.reference, rename.newName));
        } else if (found.image === undefined) continue;
        if (appliesTo(rename.tagSuffix, entry.file, found.reference, reaches)) found.tagSuffix ??= rename.tagSuffix;
      }
    }
  });
  return lines;
}
