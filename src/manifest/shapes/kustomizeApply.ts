import { kustomizeNameMatcher } from './kustomizeNames.js';
import type { LaterEntry } from './types.js';

/**
 * An image split as kustomize splits it (`api/internal/image` Split): a `:` or `@` after the first
 * `/` (a registry's port comes before it) starts the tag or the digest.
 */
function split(image: string): { name: string; tag: string; digest: string } {
  const slash = Math.max(image.indexOf('/'), 0);
  const search = image.slice(slash);
  const at = search.indexOf('@');
  const colon = search.indexOf(':');
  if (colon < 0 && at < 0) return { name: image, tag: '', digest: '' };
  if (at >= 0 && (at < colon || colon < 0)) {
    return { name: image.slice(0, slash + at), tag: '', digest: image.slice(slash + at + 1) };
  }
  if (at >= 0) {
    return {
      name: image.slice(0, slash + colon),
      tag: image.slice(slash + colon + 1, slash + at),
      digest: image.slice(slash + at + 1),
    };
  }
  return { name: image.slice(0, slash + colon), tag: image.slice(slash + colon + 1), digest: '' };
}

/** Whether an entry sets a tag or a digest: the tag it leaves is its own, whatever the image had. */
export const retags = (entry: LaterEntry): boolean => entry.tag !== undefined || entry.digest !== undefined;

/**
 * What kustomize's image transformer makes of `image` with one `images:` entry (kustomize 5.5 to
 * 5.8, `api/filters/imagetag` SetImageValue); undefined where its name does not match (Go's
 * regexp on `^<name>` and a tag or digest suffix, kustomizeNames.ts).
 */
function applyEntry(image: string, entry: LaterEntry): string | undefined {
  const matcher = kustomizeNameMatcher(entry.name);
  if (matcher === undefined || !matcher.test(image)) return undefined;
  let { name, tag, digest } = split(image);
  if (entry.newName !== undefined) name = entry.newName;
  if (retags(entry)) {
    tag = entry.tag ?? '';
    digest = entry.digest ?? '';
  } else if (entry.suffix !== undefined) {
    tag += entry.suffix;
    digest = '';
  }
  return `${name}${tag === '' ? '' : `:${tag}`}${digest === '' ? '' : `@${digest}`}`;
}

/**
 * Whether the `index`-th of a kustomization's `images:` entries sets the tag kustomize deploys
 * for a base whose image is written `base`: it matches the base, as written or as the entries
 * before it left it, and no later one that matches what it left sets a tag or digest (one that
 * renames the image or appends a suffix to its tag is followed). The base as written counts too:
 * an earlier entry's tag that it does not match may be one `fix` rewrites.
 */
export function entryDecides(base: string, entries: readonly LaterEntry[], index: number): boolean {
  let before = base;
  for (const earlier of entries.slice(0, index)) before = applyEntry(before, earlier) ?? before;
  return [...new Set([base, before])].some((image) => decidesFrom(image, entries, index));
}

/** Whether the `index`-th entry matches `image` and no later one retags what it left. */
function decidesFrom(image: string, entries: readonly LaterEntry[], index: number): boolean {
  const own = applyEntry(image, entries[index]!);
  return own !== undefined && !retaggedAfter(own, entries.slice(index + 1));
}

/**
 * Whether one of the `later` entries, applied in turn to `image` as kustomize applies them, sets
 * its tag or digest: one that renames it or appends a suffix to its tag is followed.
 */
export function retaggedAfter(image: string, later: readonly LaterEntry[]): boolean {
  let current = image;
  for (const next of later) {
    const applied = applyEntry(current, next);
    if (applied === undefined) continue;
    if (retags(next)) return true;
    current = applied;
  }
  return false;
}
