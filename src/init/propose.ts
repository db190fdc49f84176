import path from 'node:path';
import { messages } from '../messages.js';
import type { Discovery, FoundExpression, FoundImageReference } from './discover.js';

/** One image the proposed configuration manages. */
interface ProposedImage {
  name: string;
  nix: string;
  repository: string;
  tag: string;
  outPath: string;
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
export function propose(discovery: Discovery): Proposal {
  const derivations = discovery.expressions.filter((expression) => expression.tag !== undefined);
  const byRepository = Map.groupBy(discovery.references, (reference) => reference.canonical);
  const images: ProposedImage[] = [];
  const taken = new Set<string>();
  const add = (expression: FoundExpression, canonical: string, because: ProposedImage['because']) => {
    const references = byRepository.get(canonical)!;
    images.push({
      name: '',
      nix: expression.file,
      repository: references[0]!.repository,
      tag: expression.tag!,
      outPath: expression.outPath!,
      because,
      references,
    });
    taken.add(canonical);
  };
  for (const [canonical, references] of byRepository) {
    const exact = derivations.find((expression) => references.some((reference) => reference.tag === expression.tag));
    if (exact !== undefined) add(exact, canonical, 'tag');
  }
  for (const canonical of byRepository.keys()) {
    if (taken.has(canonical)) continue;
    const named = derivations.filter((expression) => namesMatch(expression, canonical));
    if (named.length === 1) add(named[0]!, canonical, 'name');
  }
  const used = new Set(images.map((image) => image.nix));
  const freeExpressions = derivations.filter((expression) => !used.has(expression.file));
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
  const matched = new Set(images.map((image) => image.nix));
  return {
    images,
    unmatchedExpressions: derivations.filter((expression) => !matched.has(expression.file)),
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
      `  # ${init.imageBecause(image.nix, storeName(image.outPath), image.because)}`,
      `  # ${init.referencedAt(image.references.map(at))}`,
      `  - name: ${image.name}`,
      `    nix: ${image.nix}`,
      `    repository: ${image.repository}`,
    );
  }
  if (proposal.unmatchedExpressions.length > 0) {
    lines.push(`  # ${init.unmatchedExpressions()}`);
    for (const expression of proposal.unmatchedExpressions) {
      lines.push(
        `  # - name: ${path.posix.basename(path.posix.dirname(expression.file)) || 'default'}`,
        `  #   nix: ${expression.file}   # ${storeName(expression.outPath ?? '')}`,
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
