import { NixtagError } from '../errors.js';
import type { Config, ImageConfig } from '../config/schema.js';
import { parseImageReference, canonicalImageName, canonicalRepository } from '../manifest/reference.js';
import { needlesOf } from './spellings.js';
import { kustomizeNameMatcher } from '../manifest/shapes/kustomizeNames.js';
import type { ImageIdentity, ReferenceSummary } from '../manifest/resolve.js';
import { isNixHash } from '../nix/storePath.js';
import { messages } from '../messages.js';
import type { TreeEntry } from '../types.js';

export interface ResolvedImage extends ImageIdentity {
  config: ImageConfig;
  /** Inferred without configuration: only hash-tagged references are its own. */
  inferred: boolean;
}

export function configuredImages(config: Config): ResolvedImage[] {
  return (config.images ?? []).map((image) => ({
    name: image.name,
    repository: image.repository,
    canonical: canonicalRepository(image.repository)!,
    config: image,
    inferred: false,
  }));
}

/**
 * Without configuration, the one image is built by the root `default.nix` and its references are
 * the image strings whose tag is a Nix hash. More than one repository among them is ambiguous.
 */
export function inferImage(
  references: readonly ReferenceSummary[],
  source: ImageSource = FILE_SOURCE,
): ResolvedImage | undefined {
  const byRepository = new Map<string, string>();
  for (const reference of references) {
    if (reference.occurrence.form !== 'reference' || reference.canonical === undefined) continue;
    if (reference.tag === undefined || !isNixHash(reference.tag)) continue;
    const written = parseImageReference(reference.current)!;
    const name = written.host === undefined ? written.path : `${written.host}/${written.path}`;
    if (!byRepository.has(reference.canonical)) byRepository.set(reference.canonical, name);
  }
  if (byRepository.size > 1) {
    throw new NixtagError('CONFIG_AMBIGUOUS', messages.ambiguousRepositories([...byRepository.values()]), {
      hint: messages.ambiguousRepositoriesHint(),
    });
  }
  const [entry] = byRepository;
  if (entry === undefined) return undefined;
  const [canonical, repository] = entry;
  return { ...defaultImage(repository.slice(repository.lastIndexOf('/') + 1), repository, source), canonical };
}

/**
 * Whether a kustomize entry's `name` pattern can reach `image`'s references: kustomize matches
 * `^<name>(:<tag>)?(@sha256:<digest>)?$` against a base's image as written, so a pattern that
 * matches the repository in any spelling, or a name that is the repository with a tag or digest
 * (it reaches the base written so), is the image's. Over-approximate: never the reverse.
 */
export function patternReaches(pattern: string, image: ResolvedImage): boolean {
  const parsed = parseImageReference(pattern);
  if (parsed !== undefined && canonicalImageName(parsed.host, parsed.path) === image.canonical) return true;
  const matcher = kustomizeNameMatcher(pattern);
  if (matcher === undefined) return false;
  const spellings = [image.repository, image.canonical, ...(needlesOf(image)?.spellings ?? [])];
  return spellings.some((spelling) => matcher.test(spelling) || matcher.test(`${spelling}:latest`));
}

/** The image a reference belongs to, if any: by marker name, else by repository. */
export function imageFor(reference: ReferenceSummary, candidates: readonly ResolvedImage[]): ResolvedImage | undefined {
  const marker = reference.occurrence.markerImage;
  if (marker !== undefined) return candidates.find((image) => image.name === marker);
  const pattern = reference.occurrence.namePattern;
  if (pattern !== undefined) return candidates.find((candidate) => patternReaches(pattern, candidate));
  const image = candidates.find((candidate) => candidate.canonical === reference.canonical);
  if (image?.inferred && (reference.tag === undefined || !isNixHash(reference.tag))) return undefined;
  return image;
}

/** Where an image comes from: an expression file, or a flake output (`nix` is then its flake.nix). */
export type ImageSource = { nix: string; flake?: undefined } | { nix: string; flake: string };

const FILE_SOURCE: ImageSource = { nix: 'default.nix' };

/**
 * What nixtag evaluates without configuration: the root default.nix, as n2k8s does; where there is
 * none but a root flake.nix, the flake's default package (`nix build` of `.`).
 */
export function zeroConfigSource(entries: readonly TreeEntry[]): ImageSource {
  const at = (file: string) => entries.some((entry) => entry.path === file);
  return !at('default.nix') && at('flake.nix') ? { nix: 'flake.nix', flake: '.' } : FILE_SOURCE;
}

/** The image nixtag manages without configuration: the root default.nix (or flake), whatever it is named later. */
export function defaultImage(name = 'default', repository = '', source: ImageSource = FILE_SOURCE): ResolvedImage {
  const config = { name, ...source, attr: null, args: {}, repository, tagFrom: 'outPath', optional: false } as const;
  return { name, repository, canonical: '', inferred: true, config };
}

/**
 * What to evaluate before the manifests are read, so that Nix runs while they are: the configured
 * images, or without configuration the root default.nix or flake.nix (if the tree has one).
 */
export function speculativeImages(
  config: Pick<Config, 'images'>,
  images: ResolvedImage[],
  entries: readonly TreeEntry[],
): ResolvedImage[] {
  if (images.length > 0 || config.images !== undefined) return images;
  const source = zeroConfigSource(entries);
  return entries.some((entry) => entry.path === source.nix) ? [defaultImage('default', '', source)] : [];
}
