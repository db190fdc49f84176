import path from 'node:path';
import { NixtagError } from '../errors.js';
import type { GrepHit } from '../git/grep.js';
import type { KustomizeGraph } from '../manifest/kustomize/graph.js';
import type { ReadOnly } from '../manifest/read.js';
import { messages } from '../messages.js';
import { submoduleFiles } from '../tree/submoduleFiles.js';
import { selectManifests, type ManifestScope } from './manifestSet.js';
import type { Session } from './session.js';
import { readOptionalBytes } from '../readOptional.js';
import { linesHolding } from '../manifest/searchText.js';

/** What kustomize reads in submodules, as CI's recursive clone holds them. */
export interface SubmoduleBases {
  /** The graph again, with the submodules' files: read under `root`. */
  graph: KustomizeGraph;
  /** The checkout, where the submodules are laid out at their recorded commits. */
  root: string;
  /** Their files kustomize deploys (kustomizations, resources), read as manifests, never written. */
  scopes: Map<string, ManifestScope>;
  /** Every file of theirs kustomize reads: where a managed image must not be named unread. */
  read: string[];
  /** The submodules the kustomizations reach: a change of their recorded commit matters. */
  gitlinks: string[];
  /** The submodule a path lies in, if any. */
  submoduleOf(file: string): string | undefined;
}

type Build = (root: string, tracked: readonly string[], gitlinks: readonly string[]) => KustomizeGraph;

/**
 * When a kustomization names a path in a submodule (`resources: [../../vendor/base]`), kubectl
 * kustomize deploys what the submodule's recorded commit holds there: those files are read from
 * the checkout, which lays submodules out as `git clone --recurse-submodules` does, and the graph
 * is built again with them. A submodule CI does not fetch (`submodules: false`), or whose commit
 * this clone lacks, is refused: nixtag cannot read what would be deployed. Undefined when no
 * kustomization reaches into one.
 */
export async function readSubmoduleBases(
  session: Session,
  first: KustomizeGraph,
  tracked: readonly string[],
  images: ReadonlyArray<{ name: string; manifests?: string[] | undefined }>,
  build: Build,
): Promise<SubmoduleBases | undefined> {
  if (first.submodules.size === 0) return undefined;
  const gitlinks = session.gitlinks.map((link) => link.path);
  const reached = [...first.submodules.keys()].sort();
  const [submodule, kustomization] = [...first.submodules][0]!;
  if (!session.config.submodules) {
    throw new NixtagError('SUBMODULE_UNREAD', messages.submoduleBaseUnread(kustomization, submodule), {
      location: { file: kustomization },
      hint: messages.submoduleBaseUnreadHint(),
    });
  }
  const checkout = await session.materialized;
  const under = (file: string, link: string) => file === link || file.startsWith(`${link}/`);
  const missing = checkout.missingSubmodules.find((link) => reached.some((top) => under(link.path, top)));
  if (missing !== undefined) {
    const top = reached.find((link) => under(missing.path, link))!;
    const by = first.submodules.get(top)!;
    throw new NixtagError('SUBMODULE_MISSING', messages.submoduleBaseMissing(by, missing.path, missing.oid), {
      location: { file: by },
      hint: messages.submoduleBaseMissingHint(missing.path),
    });
  }
  const links = session.gitlinks.filter((link) => reached.includes(link.path));
  const files: string[] = [];
  for (const link of links) {
    // Its objects gone since the checkout borrowed them (a submodule deinitialised, its git directory removed).
    files.push(
      ...(await submoduleFiles(checkout.dir, [link]).catch((error: unknown) => {
        const by = first.submodules.get(link.path)!;
        throw new NixtagError('SUBMODULE_MISSING', messages.submoduleBaseMissing(by, link.path, link.oid), {
          location: { file: by },
          hint: messages.submoduleBaseMissingHint(link.path),
          cause: error,
        });
      })),
    );
  }
  const graph = build(checkout.dir, [...tracked, ...files], gitlinks);
  const { manifests, read } = graph.inSubmodules();
  const { scopes } = await selectManifests(manifests, images);
  // A resource whatever its name (`deploy.json`) is read as YAML, as in the repository (kustomizeResources).
  const byDefault = images.filter((image) => image.manifests === undefined).map((image) => image.name);
  const resources = manifests.filter((file) => graph.resources.has(file) && !scopes.has(file));
  if (images.length === 0 || byDefault.length > 0) {
    for (const file of resources) scopes.set(file, { images: new Set(byDefault), explicit: false });
  }
  const submoduleOf = (file: string) => reached.find((link) => under(file, link));
  return { graph, root: checkout.dir, scopes, read, gitlinks: reached, submoduleOf };
}

/**
 * The submodules' files among the resources read as manifests (engine/kustomizations.ts
 * kustomizeResources: the images each is a manifest of) are read from the checkout with the
 * submodules' others: taken out of `resources`, their images joined to `bases`' scopes.
 */
export function adoptResources(bases: SubmoduleBases, resources: Map<string, ManifestScope>): void {
  for (const [file, scope] of resources) {
    if (bases.submoduleOf(file) === undefined) continue;
    resources.delete(file);
    const own = bases.scopes.get(file);
    const images = new Set([...(own?.images ?? []), ...scope.images]);
    bases.scopes.set(file, { images, explicit: (own?.explicit ?? false) || scope.explicit });
  }
}

/** Why a submodule's manifest is never written (fix refuses it, engine/fix.ts). */
export function submoduleReadOnly(file: string, submodule: string): ReadOnly {
  return {
    code: 'IN_SUBMODULE',
    message: messages.inSubmodule(file, submodule),
    hint: messages.inSubmoduleHint(submodule),
    submodule,
  };
}

/**
 * The lines of the submodules' files that name one of `needles` (compared as `git grep -i -F`
 * does, in the text their readers read: manifest/searchText.ts): what a `git grep` of the
 * superproject's tree cannot see.
 */
export async function searchSubmoduleFiles(bases: SubmoduleBases, needles: readonly string[]): Promise<GrepHit[]> {
  if (needles.length === 0) return [];
  const lower = needles.map((needle) => needle.toLowerCase());
  const hits: GrepHit[] = [];
  for (const file of bases.read) {
    // Never a device or a FIFO a symlink names, nor more than a manifest holds (regularFile.ts).
    const bytes = await readOptionalBytes(path.join(bases.root, file));
    if (bytes === undefined) continue;
    for (const { line, text } of linesHolding(bytes, lower)) hits.push({ file, line, text });
  }
  return hits;
}
