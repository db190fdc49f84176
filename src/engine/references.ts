import path from 'node:path';
import { messages } from '../messages.js';
import type { Warning } from '../types.js';
import type { ManifestFile } from '../manifest/read.js';
import type { GrepHit } from '../git/grep.js';
import type { KustomizeGraph } from '../manifest/kustomize/graph.js';
import type { ReferenceSummary } from '../manifest/resolve.js';
import {
  defaultImage,
  imageFor,
  inferImage,
  writtenReferences,
  zeroConfigSource,
  type ResolvedImage,
} from './images.js';
import { readJudgement } from '../state/judgements.js';
import { abandonedWrites } from '../state/writeJournal.js';
import { readCharts, withCharts } from './charts.js';
import { grepFiles, grepRepositories, inTreeOrder, mentionWarnings, sameSearch, spellingsOf } from './mentions.js';
import type { ManifestEntry, Scan } from './manifestEntry.js';
import type { ManifestScope } from './manifestSet.js';
import { followRenames } from './renames.js';
import type { Session } from './session.js';
import { awaitedLater } from '../promises.js';
import { checkImages } from './configMisses.js';
import { adoptResources, readSubmoduleBases, searchSubmoduleFiles, submoduleReadOnly } from './submoduleBases.js';
import { refuseUnread } from './unread.js';
import { refuseUnparsableKustomizations } from './unparsable.js';
import {
  kustomizeMentionFiles,
  kustomizeResources,
  refuseImageCopies,
  refuseImageTransformers,
  refuseKustomizationMentions,
  refuseChartOverrides,
  refuseRemoteBases,
  refuseReplacements,
} from './kustomizations.js';
import { refusePlaceholderTags, refuseSubstitutedTags } from './substitutedTags.js';

/** How many manifests were read and parsed in this run, and how many were remembered by blob id. */
export function scanCounts(scan: Scan): { read: number; remembered: number } {
  const remembered = scan.manifests.filter((entry) => entry.parsed === undefined).length;
  return { read: scan.manifests.length - remembered, remembered };
}

/** The YAML side loads while Nix already runs: it is not on the path to the first Nix call. */
const manifestModules = () =>
  Promise.all([
    import('../manifest/read.js'),
    import('../manifest/resolve.js'),
    import('../manifest/write.js'),
    import('../manifest/kustomize/graph.js'),
    import('../manifest/kustomize/settingRanges.js'),
  ]).then(([read, resolve, write, graph, ranges]) => ({ ...read, ...resolve, ...write, ...graph, ...ranges }));

/**
 * Temporary files a killed `fix` left beside the manifests of the working tree (where every fix
 * writes, also with --staged) are removed, so that `git add -A` never commits one: in the
 * directories its journal names (state/writeJournal.ts), and beside every manifest read again
 * (what a nixtag without a journal may have left; after an upgrade every manifest is).
 */
async function removeLeftovers(
  session: Session,
  read: ReadonlyArray<{ file: string; parsed: unknown }>,
  remove: (directories: Iterable<string>, keep: (file: string) => boolean) => Promise<string[]>,
): Promise<void> {
  const root = session.repository.root;
  const abandoned = abandonedWrites(session.repository.gitDir);
  const reread = read.filter((entry) => entry.parsed !== undefined);
  const directories = [...abandoned.directories, ...reread.map((entry) => path.join(root, path.dirname(entry.file)))];
  if (directories.length === 0) return;
  const tracked = new Set(session.entries.map((entry) => entry.path));
  await remove(directories, (file) => tracked.has(path.relative(root, file).split(path.sep).join('/')));
  abandoned.forget();
}

/**
 * Reads the manifests in scope and ties every reference to its image; without configuration,
 * infers the image from the hash-tagged references.
 */
export async function findReferences(session: Session): Promise<Scan> {
  const { readManifests, removeAbandonedTemporaries, kustomizeGraph, settingRanges } = await manifestModules();
  const warnings: Warning[] = [];
  const charts = readCharts(session);
  // Configured repositories are known now: git looks for their mentions while the YAML is read.
  const configured =
    session.config.images === undefined ? undefined : awaitedLater(grepRepositories(session, session.images));
  const inferred = session.config.images === undefined;
  const source = zeroConfigSource(session.entries);
  // Without configuration the repository is known from the references: guessed from the
  // remembered ones, so that git looks for its mentions while changed manifests are parsed.
  let early: { image: ResolvedImage; hits: Promise<GrepHit[]> } | undefined;
  const search = (image: ResolvedImage) => {
    early = { image, hits: awaitedLater(grepRepositories(session, [image])) };
  };
  // The repository of the last judgement first, then of the remembered references if they differ.
  const last = inferred ? readJudgement(session.repository.gitDir)?.inferred : undefined;
  if (last !== undefined) search({ ...defaultImage(), canonical: last });
  const guess = (recalled: readonly ManifestFile[]) => {
    let image: ResolvedImage | undefined;
    try {
      image = inferImage(
        recalled.flatMap((entry) => entry.references),
        source,
      );
    } catch {
      return; // ambiguous so far: the full set decides, and says so
    }
    if (image !== undefined && !(early !== undefined && sameSearch([early.image], [image]))) search(image);
  };
  const chartReading = await charts;
  // Every kustomization, read once: what each pulls in (kustomize/graph.ts).
  const tracked = session.entries.map((entry) => entry.path);
  const gitlinks = session.gitlinks.map((entry) => entry.path);
  const imageScopes = session.images.map((image) => ({ name: image.name, manifests: image.config.manifests }));
  const firstGraph = kustomizeGraph(session.manifestRoot, tracked, gitlinks);
  // A kustomization that names files in a submodule: read as CI's recursive clone holds them.
  const submodules = await readSubmoduleBases(session, firstGraph, tracked, imageScopes, kustomizeGraph);
  const graph = submodules?.graph ?? firstGraph;
  const inSubmodule = (file: string) => submodules?.submoduleOf(file) !== undefined;
  const resources = kustomizeResources(graph, session.scopes, session.configFiles, imageScopes);
  if (submodules !== undefined) adoptResources(submodules, resources);
  const scopes =
    resources.size === 0
      ? session.scopes
      : new Map([...session.scopes, ...resources].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const withReferences = await readManifests(
    session.manifestRoot,
    withCharts(scopes, chartReading),
    warnings,
    session.scans,
    inferred ? guess : undefined,
    session.tree.source.kind === 'worktree' ? () => session.checkout : undefined,
  );
  session.scans?.save();
  await removeLeftovers(session, withReferences, removeAbandonedTemporaries);
  if (submodules !== undefined) {
    // Another repository's files, never written: fix refuses a stale one (submoduleReadOnly).
    for (const entry of await readManifests(submodules.root, [...submodules.scopes], warnings)) {
      withReferences.push({ ...entry, readOnly: submoduleReadOnly(entry.file, submodules.submoduleOf(entry.file)!) });
    }
  }
  let images = session.images;
  if (inferred) {
    const image = inferImage(
      withReferences.flatMap((entry) => entry.references),
      source,
    );
    images = image === undefined ? [] : [image];
  }
  const candidatesOf = (scope: ManifestScope) =>
    inferred ? images : images.filter((image) => scope.images.has(image.name));
  // A kustomize entry's name is matched against the references as the manifests write them.
  const written = writtenReferences(withReferences.flatMap((entry) => entry.references));
  const unread = unreadBases(graph, new Set(withReferences.map((entry) => entry.file)));
  const manifests: ManifestEntry[] = withReferences.map((entry) => {
    const candidates = candidatesOf(entry.scope);
    const imageOf = (reference: ReferenceSummary) =>
      imageFor(reference, candidates, written, reference.occurrence.namePattern === undefined || unread(entry.file));
    return {
      file: entry.file,
      parsed: entry.parsed,
      target: entry.target,
      readOnly: entry.readOnly,
      references: entry.references.map((reference) => ({ reference, image: imageOf(reference) })),
    };
  });
  const reachOf = memoized(graph.reach);
  const renameLines = followRenames(
    manifests,
    (index) => candidatesOf(withReferences[index]!.scope),
    (from, to) => reachOf(from)?.has(to) ?? true,
  );
  for (const entry of manifests) {
    for (const { reference, image } of entry.references) {
      const marker = reference.occurrence.markerImage;
      if (marker !== undefined && image === undefined) {
        const { file } = entry;
        const { position } = reference.occurrence;
        warnings.push({ file, line: position.line, message: messages.unknownMarkerImage(file, position, marker) });
      }
    }
  }
  const guessed = early !== undefined && images.length === 1 && sameSearch([early.image], images);
  const found = await (configured ?? (guessed ? early!.hits : grepRepositories(session, images)));
  // What kustomizations read under names mentions are not looked for by (`deploy.txt`), and in submodules.
  const unplaced = kustomizeMentionFiles(graph, new Set(tracked));
  const inSubmodules = submodules === undefined ? [] : await searchSubmoduleFiles(submodules, spellingsOf(images));
  const hits =
    unplaced.length === 0 && inSubmodules.length === 0
      ? found
      : [...found, ...(await grepFiles(session, images, unplaced)), ...inSubmodules].sort(inTreeOrder);
  const managedLines = [...(chartReading?.managedLines ?? []), ...renameLines];
  const mentions = mentionWarnings(hits, images, manifests, session.configFiles, managedLines);
  refuseUnread(warnings, mentions, inferred);
  const imageFiles = new Set([
    ...manifests.filter((entry) => entry.references.some(({ image }) => image !== undefined)).map(({ file }) => file),
    ...[...scopes].filter(([, scope]) => scope.images.size > 0).map(([file]) => file),
  ]);
  const kustomizations = tracked.filter((file) => graph.isKustomization(file));
  refuseUnparsableKustomizations(
    graph,
    kustomizations,
    imageFiles,
    new Set(withReferences.map(({ file }) => file)),
    mentions,
  );
  refuseSubstitutedTags(hits, mentions);
  refusePlaceholderTags(manifests);
  refuseKustomizationMentions(
    mentions,
    memoized((file) => settingRanges(inSubmodule(file) ? submodules!.root : session.manifestRoot, file)),
    graph,
  );
  const managedImages = images.filter((image) => image.canonical !== '');
  refuseImageTransformers(graph, managedImages, written);
  if (managedImages.length > 0) refuseImageCopies(graph);
  refuseReplacements(graph, manifests, managedImages);
  refuseChartOverrides(graph, hits);
  refuseRemoteBases(
    graph,
    (file) => (scopes.has(file) ? candidatesOf(scopes.get(file)!).filter((image) => image.canonical !== '') : []),
    manifests,
  );
  warnings.push(...mentions);
  if (session.config.images !== undefined) warnings.push(...(await checkImages(session, manifests, warnings)));
  // A chart's Chart.yaml and templates, and what the kustomizations name: a change to one can matter.
  // A submodule they reach matters as a whole: a new recorded commit changes what is deployed.
  const dependsOnFiles = [
    ...(chartReading?.files ?? []),
    ...new Set([...firstGraph.named, ...graph.named, ...(submodules?.gitlinks ?? [])]),
  ];
  const dependsOn =
    dependsOnFiles.length === 0 ? undefined : { files: dependsOnFiles, globs: chartReading?.globs ?? [] };
  return { images, manifests, warnings, ...(dependsOn === undefined ? {} : { dependsOn }) };
}

/**
 * Whether a kustomization's `images:` entries can meet bases nixtag reads no reference in: a
 * remote base, a Helm chart, a generator's output (graph.ts reachesUnread), or a file it reaches
 * that is not among the manifests read (`read`). True for a file kustomize does not read by name.
 */
function unreadBases(graph: KustomizeGraph, read: ReadonlySet<string>): (file: string) => boolean {
  return memoized((file) => {
    const reached = graph.reach(file);
    if (reached === undefined || graph.reachesUnread(file) !== false) return true;
    return [...reached].some((other) => other !== file && !read.has(other) && !graph.isKustomization(other));
  });
}

/** `compute` remembering its answer for each argument. */
function memoized<T>(compute: (key: string) => T): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    if (!known.has(key)) known.set(key, compute(key));
    return known.get(key)!;
  };
}

/** Images that at least one reference belongs to: only those need a tag. */
export function referencedImages(scan: Scan): ResolvedImage[] {
  const names = new Set(
    scan.manifests.flatMap((entry) => entry.references.flatMap((found) => (found.image ? [found.image.name] : []))),
  );
  return scan.images.filter((image) => names.has(image.name));
}
