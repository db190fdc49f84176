import { NixtagError } from '../errors.js';
import type { Config, ImageConfig } from '../config/schema.js';
import { parseImageReference, canonicalRepository } from '../manifest/reference.js';
import { needlesOf } from './spellings.js';
import { isLiteralName, kustomizeNameMatcher } from '../manifest/shapes/kustomizeNames.js';
import { entryDecides } from '../manifest/shapes/kustomizeApply.js';
import type { Occurrence } from '../manifest/shapes/types.js';
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

/** How the manifests write each repository: the references read as written, by registry-normalised repository. */
export type WrittenReferences = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * The references of `found` that name a repository as written (`Registry.example/app:v1`), with
 * their tag and digest: the images a kustomize entry's name is matched against, besides the
 * configured spellings. An entry's own name is no base, and is left out.
 */
export function writtenReferences(found: Iterable<ReferenceSummary>): WrittenReferences {
  const written = new Map<string, Set<string>>();
  for (const reference of found) {
    if (reference.canonical === undefined || reference.occurrence.namePattern !== undefined) continue;
    if (reference.current === '') continue;
    const known = written.get(reference.canonical) ?? new Set<string>();
    written.set(reference.canonical, known.add(reference.current));
  }
  return written;
}

/** Docker Hub's hosts, each of which a base may write. */
const DOCKER_HUB = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/**
 * The ways a base may write `image`'s repository that kustomize's case-sensitive match tells
 * apart: as configured, registry-normalised, each spelling mentions are looked for by, and for
 * Docker Hub every host's, with `library/` or not, and none.
 */
function repositoryNames(image: ResolvedImage): string[] {
  const names = [image.repository, image.canonical, ...(needlesOf(image)?.spellings ?? [])];
  if (image.canonical.startsWith('docker.io/')) {
    const path = image.canonical.slice('docker.io/'.length);
    const paths = [path, path.replace(/^library\//, '')];
    names.push(...paths, ...DOCKER_HUB.flatMap((host) => paths.map((one) => `${host}/${one}`)));
  }
  return [...new Set(names)].filter((name) => name !== '');
}

/** What follows the repository in a reference: `:<tag>`, `@<digest>`, both or nothing. */
function tailOf(reference: string): string {
  const parsed = parseImageReference(reference);
  if (parsed === undefined) return '';
  return `${parsed.tag === undefined ? '' : `:${parsed.tag}`}${parsed.digest === undefined ? '' : `@${parsed.digest}`}`;
}

/** What is known of the bases a kustomize entry meets, beside the references the manifests write. */
export interface EntrySurroundings {
  /**
   * Whether its kustomization can reach bases nixtag reads no reference in (a remote one, a Helm
   * chart, a generator's output, a file outside the manifests read): then a name may also meet
   * the image written any way (engine/references.ts). True when not known.
   */
  unread?: boolean;
  /** Its kustomization's `images:` entries, and its index among them (a pattern entry's `order`). */
  order?: Occurrence['order'];
}

/**
 * Whether a kustomize entry's `name` can reach `image`'s references: kustomize matches
 * `^<name>(:<tag>)?(@sha256:<digest>)?$` with Go's regexp against a base's image as written, case
 * and all. It is matched so against every reference to it the manifests write (`written`), and,
 * where its kustomization can reach bases nixtag does not read (or the name is a literal
 * repository, whatever it reaches), against the image's repository names (bare, with `:latest`,
 * and with each tag and digest the manifests give it) and, where the name is such a reference
 * (`app:v1`), against itself. A name with a tag or an anchor (`app:latest`, `app$`) whose
 * kustomization reads only known bases meets only what they write: kubectl matches nothing else.
 * The entries of its kustomization (`order`) apply in turn: those before it change what it meets,
 * and an image a later one retags, as this one left it, deploys the later tag: not reached.
 */
export function patternReaches(
  pattern: string,
  image: ResolvedImage,
  written: WrittenReferences,
  { unread = true, order }: EntrySurroundings = {},
): boolean {
  const matcher = kustomizeNameMatcher(pattern);
  if (matcher === undefined) return false;
  const names = repositoryNames(image);
  const seen = [...(written.get(image.canonical) ?? [])];
  const subjects = [...seen];
  if (unread || isLiteralName(pattern)) {
    const tails = new Set([':latest', ...seen.map(tailOf)]);
    const parsed = parseImageReference(pattern);
    const spelt = parsed && (parsed.host === undefined ? parsed.path : `${parsed.host}/${parsed.path}`);
    subjects.push(
      ...names.flatMap((name) => [name, ...[...tails].map((tail) => `${name}${tail}`)]),
      ...(spelt !== undefined && names.includes(spelt) ? [pattern] : []),
    );
  }
  // As kustomize applies the entries in turn: the ones before change what the name meets.
  if (order === undefined) return subjects.some((subject) => matcher.test(subject));
  return subjects.some((subject) => entryDecides(subject, order.entries, order.index));
}

/**
 * The image a reference belongs to, if any: by marker name, else by repository; a kustomize
 * entry's name by matching it as kustomize does (`written`: the references the manifests write;
 * `unread`: whether its kustomization can reach bases nixtag does not read, EntrySurroundings).
 */
export function imageFor(
  reference: ReferenceSummary,
  candidates: readonly ResolvedImage[],
  written: WrittenReferences = new Map(),
  unread = true,
): ResolvedImage | undefined {
  const marker = reference.occurrence.markerImage;
  if (marker !== undefined) return candidates.find((image) => image.name === marker);
  const pattern = reference.occurrence.namePattern;
  const surroundings = { unread, order: reference.occurrence.order };
  const image =
    pattern === undefined
      ? candidates.find((candidate) => candidate.canonical === reference.canonical)
      : candidates.find((candidate) => patternReaches(pattern, candidate, written, surroundings));
  // Without configuration only a Nix hash tag makes a reference the image's; an entry named by a
  // pattern is the image's whatever its tag.
  const byName = pattern === undefined || isLiteralName(pattern);
  if (image?.inferred && byName && (reference.tag === undefined || !isNixHash(reference.tag))) return undefined;
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
