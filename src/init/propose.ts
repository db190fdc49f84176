import path from 'node:path';
import { messages } from '../messages.js';
import { isNixHash } from '../nix/storePath.js';
import type { Discovery, FoundExpression, FoundImageReference } from './discover.js';

/**
 * Which hash the tags already in the manifests follow, computed both ways: the output path's
 * (n2k8s), the image's own imageTag, or neither (built from another tree, or by another tool);
 * undefined when no reference carries a Nix-hash tag.
 */
type Scheme = 'outPath' | 'imageTag' | 'neither' | undefined;

/** One image the proposed configuration manages. */
interface ProposedImage {
  name: string;
  nix: string;
  /** A flake output: its installable, configured as `flake` instead of `nix`. */
  flake?: string | undefined;
  repository: string;
  /** The tag CI pushes with the proposed `tagFrom`. */
  tag: string;
  outPath: string;
  tagFrom: 'outPath' | 'imageTag';
  scheme: Scheme;
  /** The image's own imageTag, if any (one that is not a Nix hash, `latest`, is never the tag). */
  imageTag?: string | undefined;
  /** Why this expression was matched with this repository. */
  because: 'tag' | 'name' | 'only';
  references: FoundImageReference[];
}

export interface Proposal {
  images: ProposedImage[];
  /** Expressions that evaluate to a derivation that no reference was matched with. */
  unmatchedExpressions: FoundExpression[];
  /** Repositories no expression was matched with, with their references. */
  unmatchedRepositories: Array<{ repository: string; references: FoundImageReference[] }>;
  /** Nix files that are not an image on their own, and why. */
  notImages: FoundExpression[];
}

/** Registries that serve other people's images: never guessed to be built here. */
const PUBLIC = /^(docker\.io\/library\/|quay\.io\/|gcr\.io\/|registry\.k8s\.io\/|ghcr\.io\/|nixery\.dev\/)/;

/** The name in a store path (`/nix/store/<hash>-docker-image-app.tar.gz` -> `docker-image-app.tar.gz`). */
const storeName = (outPath: string) => path.posix.basename(outPath).slice(33);

/** The last path segment of a repository, the usual image name. */
const shortName = (repository: string) => repository.slice(repository.lastIndexOf('/') + 1);

/** Whether an expression's name says it builds this repository: its directory or its store name. */
function namesMatch(expression: FoundExpression, repository: string): boolean {
  const name = shortName(repository).toLowerCase();
  const directory = path.posix.basename(path.posix.dirname(expression.file)).toLowerCase();
  const words = storeName(expression.outPath ?? '')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return directory === name || words.includes(name);
}

/**
 * Matches expressions that build a derivation with the repositories the YAML names: a reference
 * whose tag already is the expression's hash is certain; otherwise a repository whose name is
 * the expression's directory or appears in its store name; and one expression with one
 * repository of the team's own (not a public registry's) go together.
 */
/** The scheme the references' Nix-hash tags follow for this expression (see Scheme). */
function schemeOf(expression: FoundExpression, references: readonly FoundImageReference[]): Scheme {
  const hashes = references.flatMap((reference) =>
    reference.tag !== undefined && isNixHash(reference.tag) ? [reference.tag] : [],
  );
  if (hashes.length === 0) return undefined;
  if (hashes.includes(expression.tag!)) return 'outPath';
  const imageTag = expression.imageTag;
  if (imageTag !== undefined && isNixHash(imageTag) && hashes.includes(imageTag)) return 'imageTag';
  return 'neither';
}

/** A key naming an expression or flake output. */
const sourceOf = (expression: FoundExpression) => expression.flake ?? expression.file;

export function propose(discovery: Discovery): Proposal {
  const derivations = discovery.expressions.filter((expression) => expression.tag !== undefined);
  const byRepository = Map.groupBy(discovery.references, (reference) => reference.canonical);
  const images: ProposedImage[] = [];
  const taken = new Set<string>();
  const add = (expression: FoundExpression, canonical: string, because: ProposedImage['because']) => {
    const references = byRepository.get(canonical)!;
    const scheme = schemeOf(expression, references);
    const tagFrom = scheme === 'imageTag' ? 'imageTag' : 'outPath';
    const { imageTag } = expression;
    images.push({
      name: '',
      nix: expression.file,
      flake: expression.flake,
      repository: references[0]!.repository,
      tag: tagFrom === 'imageTag' ? imageTag! : expression.tag!,
      outPath: expression.outPath!,
      tagFrom,
      scheme,
      imageTag,
      because,
      references,
    });
    taken.add(canonical);
  };
  for (const [canonical, references] of byRepository) {
    const exact = derivations.find((expression) => {
      const scheme = schemeOf(expression, references);
      return scheme === 'outPath' || scheme === 'imageTag';
    });
    if (exact !== undefined) add(exact, canonical, 'tag');
  }
  for (const canonical of byRepository.keys()) {
    if (taken.has(canonical)) continue;
    const named = derivations.filter((expression) => namesMatch(expression, canonical));
    if (named.length === 1) add(named[0]!, canonical, 'name');
  }
  const used = new Set(images.map((image) => image.flake ?? image.nix));
  const freeExpressions = derivations.filter((expression) => !used.has(sourceOf(expression)));
  const ownRepositories = [...byRepository.keys()].filter(
    (canonical) => !taken.has(canonical) && !PUBLIC.test(canonical),
  );
  if (images.length === 0 && freeExpressions.length === 1 && ownRepositories.length === 1) {
    add(freeExpressions[0]!, ownRepositories[0]!, 'only');
  }
  const names = new Set<string>();
  for (const image of images) {
    let name = shortName(image.repository);
    for (let suffix = 2; names.has(name); suffix++) name = `${shortName(image.repository)}-${suffix}`;
    names.add(name);
    image.name = name;
  }
  const matched = new Set(images.map((image) => image.flake ?? image.nix));
  return {
    images,
    unmatchedExpressions: derivations.filter((expression) => !matched.has(sourceOf(expression))),
    unmatchedRepositories: [...byRepository]
      .filter(([canonical]) => !taken.has(canonical))
      .map(([, references]) => ({ repository: references[0]!.repository, references })),
    notImages: discovery.expressions.filter((expression) => expression.tag === undefined),
  };
}

const at = (reference: FoundImageReference) => `${reference.file}:${reference.line}`;

/** The configuration as commented YAML: what it manages, why, and what it leaves out. */
export function renderConfig(proposal: Proposal): string {
  const init = messages.init;
  const lines = [...init.header().map((line) => `# ${line}`)];
  if (proposal.images.length === 0) lines.push(`# ${init.noImageFound()}`, 'images: []');
  else lines.push('images:');
  for (const image of proposal.images) {
    lines.push(
      `  # ${init.imageBecause(image.flake ?? image.nix, storeName(image.outPath), image.because)}`,
      `  # ${init.referencedAt(image.references.map(at))}`,
    );
    const scheme = schemeLine(image);
    if (scheme !== undefined) lines.push(`  # ${scheme}`);
    lines.push(
      `  - name: ${image.name}`,
      image.flake === undefined ? `    nix: ${image.nix}` : `    flake: '${image.flake}'`,
      `    repository: ${image.repository}`,
    );
    if (image.tagFrom === 'imageTag') lines.push('    tagFrom: imageTag');
  }
  if (proposal.unmatchedExpressions.length > 0) {
    lines.push(`  # ${init.unmatchedExpressions()}`);
    for (const expression of proposal.unmatchedExpressions) {
      const name = expression.flake?.slice(expression.flake.indexOf('#') + 1);
      lines.push(
        `  # - name: ${name ?? (path.posix.basename(path.posix.dirname(expression.file)) || 'default')}`,
        expression.flake === undefined
          ? `  #   nix: ${expression.file}   # ${storeName(expression.outPath ?? '')}`
          : `  #   flake: '${expression.flake}'   # ${storeName(expression.outPath ?? '')}`,
        `  #   repository: registry.example.com/team/NAME`,
      );
    }
  }
  if (proposal.unmatchedRepositories.length > 0) {
    lines.push(`# ${init.unmatchedRepositories()}`);
    for (const { repository, references } of proposal.unmatchedRepositories)
      lines.push(`#   ${repository} (${references.map(at).join(', ')})`);
  }
  if (proposal.notImages.length > 0) {
    lines.push(`# ${init.notImages()}`);
    for (const expression of proposal.notImages) lines.push(`#   ${expression.file}: ${expression.why ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What the comment says of the tags already there: the scheme they follow, or that none fits. */
function schemeLine(image: ProposedImage): string | undefined {
  const init = messages.init;
  const notHash = image.imageTag !== undefined && !isNixHash(image.imageTag) ? image.imageTag : undefined;
  if (image.scheme === 'imageTag') return init.schemeImageTag();
  if (image.scheme === 'outPath') return init.schemeOutPath(notHash);
  if (image.scheme === 'neither') return init.schemeNeither(storePathHashOf(image.outPath), image.imageTag);
  return notHash === undefined ? undefined : init.imageTagNotHash(notHash);
}

const storePathHashOf = (outPath: string) => path.posix.basename(outPath).slice(0, 32);

/** What the first `fix` changes: every reference of a managed image whose tag is not the expected one. */
export function firstFixChanges(proposal: Proposal): string[] {
  return proposal.images.flatMap((image) =>
    image.references
      .filter((reference) => reference.tag !== image.tag)
      .map((reference) =>
        messages.init.change(reference.file, reference.line, reference.column, reference.current, image.tag),
      ),
  );
}
