import path from 'node:path';
import { messages } from '../messages.js';
import { canonicalRepository } from '../manifest/reference.js';
import { isNixHash } from '../nix/storePath.js';
import type { Discovery, FoundExpression, FoundImageReference } from './discover.js';

/**
 * Why an expression was tied to a repository. Only evidence that cannot be a coincidence counts:
 * a reference already carries the expression's tag (`tag`), the repository is the image's own
 * `imageName` (`imageName`), or the repository holds the user's single image (the root
 * `default.nix`) and single repository (`only`). A shared word in their names is a suggestion, never an active entry: an
 * entry that ties a foreign image to an expression would make `fix` retag it.
 */
type Evidence = 'tag' | 'imageName' | 'only';

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
  tag: string;
  outPath: string;
  because: Evidence;
  /** `imageTag` where the committed tags follow the image's own `imageTag`, not its output path. */
  tagFrom?: 'imageTag' | undefined;
  scheme: Scheme;
  /** The image's own imageTag, if any (one that is not a Nix hash, `latest`, is never the tag). */
  imageTag?: string | undefined;
  references: FoundImageReference[];
}

/** An expression whose name resembles a repository's: shown commented, never written active. */
interface Suggestion {
  nix: string;
  flake?: string | undefined;
  repository: string;
  outPath: string;
  references: FoundImageReference[];
}

export interface Proposal {
  images: ProposedImage[];
  suggestions: Suggestion[];
  /** Expressions that evaluate to a derivation that no reference was matched with. */
  unmatchedExpressions: FoundExpression[];
  /** Derivations without an imageName whose name resembles a repository that an image's does too. */
  components: FoundExpression[];
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

/** Whether an expression's name resembles this repository's: its directory or a word of its store name. */
function namesMatch(expression: FoundExpression, repository: string): boolean {
  const name = shortName(repository).toLowerCase();
  const directory = path.posix.basename(path.posix.dirname(expression.file)).toLowerCase();
  const words = storeName(expression.outPath ?? '')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return directory === name || words.includes(name);
}

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
const sourceOf = (expression: { file?: string; nix?: string; flake?: string | undefined }) =>
  expression.flake ?? expression.file ?? expression.nix ?? '';

/**
 * The tag source of an image tied by its imageName. A pipeline that pushes an image under its own
 * name reads it from the image (`docker load`, skopeo from the archive, nix2container's
 * copyToRegistry), and with it the image's own tag: where Nix computes that tag (no `tag` given),
 * it is the imageTag, not the output path's hash (n2k8s, which pushes to a destination of its
 * own, has no use for the name). A fixed tag (`latest`, `1.0.0`) says nothing either way.
 */
function ownTagScheme(expression: FoundExpression): 'outPath' | 'imageTag' {
  const own = expression.imageTag;
  return own !== undefined && isNixHash(own) && own !== expression.tag ? 'imageTag' : 'outPath';
}

/** Matches expressions that build a derivation with the repositories the YAML names (see Evidence). */
export function propose(discovery: Discovery): Proposal {
  const derivations = discovery.expressions.filter((expression) => expression.tag !== undefined);
  const byRepository = Map.groupBy(discovery.references, (reference) => reference.canonical);
  const images: ProposedImage[] = [];
  const taken = new Set<string>();
  const add = (expression: FoundExpression, canonical: string, because: Evidence, tagFrom = 'outPath') => {
    const references = byRepository.get(canonical)!;
    images.push({
      name: '',
      nix: expression.file,
      flake: expression.flake,
      repository: references[0]!.repository,
      tag: tagFrom === 'imageTag' ? expression.imageTag! : expression.tag!,
      outPath: expression.outPath!,
      because,
      ...(tagFrom === 'imageTag' ? { tagFrom: 'imageTag' as const } : {}),
      scheme: schemeOf(expression, references),
      imageTag: expression.imageTag,
      references,
    });
    taken.add(canonical);
  };
  for (const [canonical, references] of byRepository) {
    for (const expression of derivations) {
      const scheme = schemeOf(expression, references);
      if (scheme === 'outPath' || scheme === 'imageTag') {
        add(expression, canonical, 'tag', scheme);
        break;
      }
    }
  }
  for (const canonical of byRepository.keys()) {
    if (taken.has(canonical)) continue;
    const named = derivations.filter(
      (expression) =>
        expression.imageName !== undefined && canonicalRepository(expression.imageName.toLowerCase()) === canonical,
    );
    if (named.length === 1) add(named[0]!, canonical, 'imageName', ownTagScheme(named[0]!));
  }
  // The one expression counts only as the root default.nix, the image n2k8s builds in the checkout
  // (and nixtag without configuration): a lone derivation deeper down is as likely an exercise or a
  // tool (a course's labs/…/docker.nix, loaded locally) beside an image built from a Dockerfile.
  const ownRepositories = [...byRepository.keys()].filter((canonical) => !PUBLIC.test(canonical));
  // A flake's own outputs (`.#name`, not a sub-flake's) count as the root, as `nix build` builds them.
  const atRoot = (expression: FoundExpression) =>
    expression.flake === undefined ? expression.file === 'default.nix' : expression.flake.startsWith('.#');
  const root = derivations.length === 1 && atRoot(derivations[0]!);
  if (images.length === 0 && root && ownRepositories.length === 1) {
    add(derivations[0]!, ownRepositories[0]!, 'only');
  }
  const names = new Set<string>();
  for (const image of images) {
    let name = shortName(image.repository);
    for (let suffix = 2; names.has(name); suffix++) name = `${shortName(image.repository)}-${suffix}`;
    names.add(name);
    image.name = name;
  }
  const matched = new Set(images.map(sourceOf));
  const suggestions: Suggestion[] = [];
  // Expressions whose name resembles a repository's beside one that is an image (has an imageName):
  // its components (a monorepo's helpers all carry the image's word), not suggested as images.
  const components = new Set<string>();
  for (const [canonical, references] of byRepository) {
    if (taken.has(canonical)) continue;
    const alike = derivations.filter(
      (expression) => !matched.has(sourceOf(expression)) && namesMatch(expression, canonical),
    );
    const built = alike.filter((expression) => expression.imageName !== undefined);
    for (const expression of alike) {
      if (built.length > 0 && expression.imageName === undefined) {
        components.add(sourceOf(expression));
        continue;
      }
      suggestions.push({
        nix: expression.file,
        flake: expression.flake,
        repository: references[0]!.repository,
        outPath: expression.outPath!,
        references,
      });
    }
  }
  const suggested = new Set(suggestions.map(sourceOf));
  const unmatched = derivations.filter(
    (expression) => !matched.has(sourceOf(expression)) && !suggested.has(sourceOf(expression)),
  );
  return {
    images,
    suggestions,
    unmatchedExpressions: unmatched.filter((expression) => !components.has(sourceOf(expression))),
    components: unmatched.filter((expression) => components.has(sourceOf(expression))),
    unmatchedRepositories: [...byRepository]
      .filter(([canonical]) => !taken.has(canonical))
      .map(([, references]) => ({ repository: references[0]!.repository, references })),
    notImages: discovery.expressions.filter((expression) => expression.tag === undefined),
  };
}

const at = (reference: FoundImageReference) => `${reference.file}:${reference.line}`;

/** A name for an unmatched expression: its directory's, or at the root its file's (`shell.nix` -> `shell`). */
function defaultName(file: string): string {
  const directory = path.posix.dirname(file);
  return directory === '.' ? path.posix.basename(file, '.nix') : path.posix.basename(directory);
}

/** The configuration as commented YAML: what it manages, why, and what it leaves out. */
export function renderConfig(proposal: Proposal): string {
  const init = messages.init;
  const lines = [...init.header().map((line) => `# ${line}`)];
  if (proposal.images.length === 0) lines.push(`# ${init.noImageFound()}`, 'images: []');
  else lines.push('images:');
  for (const image of proposal.images) {
    lines.push(
      `  # ${init.imageBecause(image.flake ?? image.nix, storeName(image.outPath), image.because, image.tagFrom)}`,
      `  # ${init.referencedAt(image.references.map(at))}`,
    );
    const scheme = schemeLine(image);
    if (scheme !== undefined) lines.push(`  # ${scheme}`);
    lines.push(
      `  - name: ${image.name}`,
      sourceLine('    ', image),
      `    repository: ${image.repository}`,
      ...(image.tagFrom ? [`    tagFrom: ${image.tagFrom}`] : []),
    );
  }
  if (proposal.suggestions.length > 0) {
    lines.push(`  # ${init.suggestions()}`);
    for (const suggestion of proposal.suggestions) {
      lines.push(
        `  # ${init.referencedAt(suggestion.references.map(at))}`,
        `  # - name: ${shortName(suggestion.repository)}`,
        `${sourceLine('  #   ', suggestion)}   # ${storeName(suggestion.outPath)}`,
        `  #   repository: ${suggestion.repository}`,
      );
    }
  }
  if (proposal.unmatchedExpressions.length > 0) {
    lines.push(`  # ${init.unmatchedExpressions()}`);
    for (const expression of proposal.unmatchedExpressions) {
      lines.push(
        `  # - name: ${expression.flake?.slice(expression.flake.indexOf('#') + 1) ?? defaultName(expression.file)}`,
        `${sourceLine('  #   ', { nix: expression.file, flake: expression.flake })}   # ${storeName(expression.outPath ?? '')}`,
        `  #   repository: registry.example.com/team/NAME`,
      );
    }
  }
  if (proposal.components.length > 0) {
    lines.push(`# ${init.components()}`);
    for (const expression of proposal.components)
      lines.push(`#   ${sourceOf(expression)}: ${storeName(expression.outPath ?? '')}`);
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

/** The entry's `nix:` or `flake:` line. */
const sourceLine = (indent: string, source: { nix: string; flake?: string | undefined }) =>
  source.flake === undefined ? `${indent}nix: ${source.nix}` : `${indent}flake: '${source.flake}'`;

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
