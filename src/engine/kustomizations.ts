import { NixtagError } from '../errors.js';
import type { GrepHit } from '../git/grep.js';
import { isMentionPlace } from '../manifest/fileNames.js';
import type { KustomizeGraph } from '../manifest/kustomize/graph.js';
import type { SettingRange } from '../manifest/kustomize/settingRanges.js';
import type { ReplacementWrite } from '../manifest/kustomize/types.js';
import { canonicalRepository, parseImageReference } from '../manifest/reference.js';
import type { ReferenceSummary } from '../manifest/resolve.js';
import { messages } from '../messages.js';
import type { Warning } from '../types.js';
import { patternReaches, type ResolvedImage, type WrittenReferences } from './images.js';
import type { ManifestEntry } from './manifestEntry.js';
import type { ManifestScope } from './manifestSet.js';
import { namesRepository } from './mentions.js';
import { needlesOf } from './spellings.js';

/**
 * The files kustomizations name as resources that an image's manifests leave out by their name
 * (`deploy.json`, `deploy.txt`, `deploy`, a base outside the globs): kustomize reads every resource
 * as YAML and deploys it with the kustomization. Where the default set is read (or the image is
 * inferred), every resource is a manifest of the images that take it; a resource that a
 * kustomization among an image's manifests reaches is a manifest of that image too (a glob of
 * `*.yaml` under `k8s/` names `k8s/kustomization.yaml`, which deploys `k8s/deploy.txt`: judged,
 * not a mention).
 */
export function kustomizeResources(
  graph: KustomizeGraph,
  scopes: ReadonlyMap<string, ManifestScope>,
  excluded: readonly string[],
  images: ReadonlyArray<{ name: string; manifests?: string[] | undefined }>,
): Map<string, ManifestScope> {
  const joined = new Map<string, Set<string>>();
  const join = (file: string, names: Iterable<string>) => {
    if (excluded.includes(file) || !graph.resources.has(file)) return;
    const own = scopes.get(file)?.images;
    const fresh = [...names].filter((name) => own?.has(name) !== true);
    if (fresh.length === 0) return;
    const set = joined.get(file) ?? new Set(own);
    fresh.forEach((name) => set.add(name));
    joined.set(file, set);
  };
  const byDefault = images.filter((image) => image.manifests === undefined).map((image) => image.name);
  for (const file of graph.resources) if (!scopes.has(file)) join(file, byDefault);
  for (const [file, scope] of scopes) {
    if (!scope.explicit) continue;
    for (const reached of graph.reach(file) ?? []) join(reached, scope.images);
  }
  const added = new Map<string, ManifestScope>();
  if (images.length === 0) {
    for (const file of graph.resources)
      if (!scopes.has(file) && !excluded.includes(file)) added.set(file, { images: new Set(), explicit: false });
  }
  for (const [file, names] of joined) added.set(file, { images: names, explicit: scopes.get(file)?.explicit ?? false });
  return added;
}

/**
 * The files a kustomization reads that are not where mentions are looked for by name (a resource
 * or a patch named `.txt`): searched too, so that one naming a managed image is never passed in
 * silence.
 */
export function kustomizeMentionFiles(graph: KustomizeGraph, tracked: ReadonlySet<string>): string[] {
  return [...new Set([...graph.resources, ...graph.pulledIn.keys()])]
    .filter((file) => tracked.has(file) && !isMentionPlace(file))
    .sort();
}

/** Whether a value kustomize writes names one of the images' repositories, in any spelling. */
function namesImage(value: string, images: readonly ResolvedImage[]): boolean {
  const parsed = parseImageReference(value);
  const canonical = parsed === undefined ? undefined : canonicalRepository(value.replace(/[:@].*$/, ''));
  if (canonical !== undefined && images.some((image) => image.canonical === canonical)) return true;
  return images.some((image) => {
    const needles = needlesOf(image);
    return needles?.spellings.some((spelling) => namesRepository(value, spelling, needles.bare)) ?? false;
  });
}

/**
 * A managed repository named where kustomize sets what it deploys, unread by nixtag, is refused:
 * in a kustomization's inline patches (a strategic-merge patch's `image:`, a JSON 6902 `value:`),
 * transformers, generators, replacements and Helm charts, in a Flux HelmRelease's `postRenderers`, in an Argo CD
 * Application's `kustomize.patches`, in an `images:` entry's `newName` with a
 * tag or digest (kustomize renders `repo:tag:tag`), and anywhere in a file a kustomization pulls
 * in as a patch, a transformer's or generator's configuration or replacements.
 */
export function refuseKustomizationMentions(
  mentions: readonly Warning[],
  ranges: (file: string) => SettingRange[],
  graph: KustomizeGraph,
): void {
  for (const { file, line } of mentions) {
    if (file === null || line === null) continue;
    const pulled = graph.pulledIn.get(file);
    if (pulled?.data?.some(({ from, to }) => from <= line && line <= to)) continue; // a ConfigMap's data, as configMapGenerator writes it
    if (pulled !== undefined) {
      throw new NixtagError('KUSTOMIZE_PATCH', messages.kustomizePulledInMention(file, line, pulled.by, pulled.key), {
        location: { file, line },
        hint: messages.kustomizationMentionHint(),
      });
    }
    const range = ranges(file).find(({ from, to }) => from <= line && line <= to);
    if (range === undefined) continue;
    if (range.key === 'postRenderers') {
      throw new NixtagError('KUSTOMIZE_PATCH', messages.helmPostRendererMention(file, line), {
        location: { file, line },
        hint: messages.helmPostRendererMentionHint(),
      });
    }
    if (range.key === 'argoPatches') {
      throw new NixtagError('KUSTOMIZE_PATCH', messages.argoKustomizePatchMention(file, line), {
        location: { file, line },
        hint: messages.argoKustomizePatchMentionHint(),
      });
    }
    const images = range.key === 'images';
    const patch = range.key.startsWith('patches');
    throw new NixtagError(
      'KUSTOMIZE_PATCH',
      images
        ? messages.kustomizationImagesMention(file, line)
        : patch
          ? messages.kustomizationMention(file, line)
          : messages.kustomizationSettingMention(file, line, range.key),
      {
        location: { file, line },
        hint: images ? messages.kustomizationImagesMentionHint() : messages.kustomizationMentionHint(),
      },
    );
  }
}

/**
 * An ImageTagTransformer (kustomize's `images:` entry as a transformer's configuration) whose
 * `name` can reach a managed image (matched as `images:` entries are, against the references the
 * manifests write: `written`), or whose `newName` is one, is refused: kustomize sets the
 * image's tag there, and nixtag judges only `images:` entries.
 */
export function refuseImageTransformers(
  graph: KustomizeGraph,
  images: readonly ResolvedImage[],
  written: WrittenReferences,
): void {
  for (const transformer of graph.imageTransformers) {
    const { name, newName } = transformer;
    const reached =
      (name !== undefined && images.some((image) => patternReaches(name, image, written))) ||
      (newName !== undefined && namesImage(newName, images));
    if (!reached) continue;
    throw new NixtagError('KUSTOMIZE_PATCH', messages.kustomizeImageTransformer(transformer.file, transformer.line), {
      location: { file: transformer.file, line: transformer.line },
      hint: messages.kustomizeImageTransformerHint(),
    });
  }
}

/**
 * A JSON 6902 patch that copies or moves a value into an image field is refused: kustomize deploys
 * a value taken from another field, which nixtag does not judge.
 */
export function refuseImageCopies(graph: KustomizeGraph): void {
  const [copy] = graph.imageCopies;
  if (copy === undefined) return;
  throw new NixtagError('KUSTOMIZE_PATCH', messages.kustomizeImageCopy(copy.file, copy.line), {
    location: copy,
    hint: messages.kustomizeReplacementHint(),
  });
}

/**
 * Whether a write copies, whole, only references nixtag judges as an image's (an initContainer
 * given the app container's image): what it deploys is what nixtag judged there, stale or not.
 */
function copiesJudged(write: ReplacementWrite, byFile: ReadonlyMap<string, ManifestEntry>): boolean {
  const { source, copiedFrom } = write;
  if (source === undefined || copiedFrom === undefined || source.length === 0) return false;
  return copiedFrom.every(({ file, line }, index) =>
    byFile
      .get(file)
      ?.references.some(
        ({ reference, image }) =>
          image !== undefined && reference.current === source[index] && reference.occurrence.lines.includes(line),
      ),
  );
}

/**
 * Whether a write reaches a reference: a node written that holds one of its scalars (the image
 * string, its tag, repository or digest), or is one. Compared by offsets where both are known
 * (another field of a container written on one line, `{name: app, image: …, env: […]}`, is not
 * its image), else by lines.
 */
function reaches(target: NonNullable<ReplacementWrite['target']>, reference: ReferenceSummary): boolean {
  const { lines, spans } = reference.occurrence;
  if (!lines.some((line) => target.from <= line && line <= target.to)) return false;
  const { start, end } = target;
  if (spans === undefined || start === undefined || end === undefined) return true;
  return spans.some(([from, to]) => from < Math.max(end, start + 1) && start < Math.max(to, from + 1));
}

/**
 * A kustomize replacement (kustomize's `replacements`, or a ReplacementTransformer) that writes
 * where a managed reference is read (its tag alone, or the map or list holding it) is refused:
 * kubectl kustomize deploys what it writes, which nixtag does not judge. One that writes another
 * image (a reference of another repository, an `image` field nixtag reads no reference in, or one
 * it creates) is refused too unless every value it can read is known and names no managed image.
 * So is a var (`vars:`) whose `$(NAME)` stands in such a place, or in a value that names a
 * managed repository once substituted (`registry/app:$(TAG)`, `$(REGISTRY)/app:tag`). A
 * replacement that writes a piece of a value (a delimiter) is judged on the value it leaves,
 * refused where that is not known.
 */
export function refuseReplacements(
  graph: KustomizeGraph,
  manifests: readonly ManifestEntry[],
  images: readonly ResolvedImage[],
): void {
  const writes = graph.replacementWrites();
  if (writes.length === 0) return;
  const byFile = new Map(manifests.map((entry) => [entry.file, entry]));
  for (const write of writes) {
    const { target } = write;
    const written = target && byFile.get(target.file)?.references.filter(({ reference }) => reaches(target, reference));
    const managed = written?.find(({ image }) => image !== undefined);
    const otherImage = target === undefined || target.imageField || (written?.length ?? 0) > 0;
    const harmless = write.source !== undefined && !write.source.some((value) => namesImage(value, images));
    if (managed === undefined && (!otherImage || harmless || copiesJudged(write, byFile))) continue;
    const where =
      target === undefined
        ? undefined
        : { file: target.file, line: managed?.reference.occurrence.position.line ?? target.from };
    throw new NixtagError(
      'KUSTOMIZE_PATCH',
      messages.kustomizeReplacement(write.by, write.at.file, write.at.line, where, managed?.image?.name),
      { location: write.at, hint: messages.kustomizeReplacementHint() },
    );
  }
}

/**
 * A remote resource, base or component (a URL, a git repository) of a kustomization that deploys
 * an image's manifests (or is among them, or reached from them) is refused: kustomize fetches it,
 * and it can deploy the image at any tag. Unless an `images:` entry of that kustomization or of an
 * overlay above it sets the image's tag (`name` its repository, with `newTag` or `digest`):
 * kustomize retags the remote's references too, and nixtag judges that entry.
 */
export function refuseRemoteBases(
  graph: KustomizeGraph,
  imagesOf: (file: string) => readonly ResolvedImage[],
  manifests: readonly ManifestEntry[],
): void {
  if (graph.remotes.length === 0) return;
  const byFile = new Map(manifests.map((entry) => [entry.file, entry]));
  const retags = (kustomization: string, image: ResolvedImage) =>
    byFile
      .get(kustomization)
      ?.references.some(
        ({ reference, image: of }) =>
          of?.name === image.name &&
          reference.occurrence.context === 'kustomize' &&
          reference.occurrence.namePattern !== undefined &&
          (reference.tag !== undefined || reference.digest !== undefined),
      ) ?? false;
  for (const remote of graph.remotes) {
    const family = [remote.file, ...graph.overlaysOf(remote.file)];
    const deployed = new Set(family.flatMap((kustomization) => [...(graph.reach(kustomization) ?? [kustomization])]));
    const concerned = new Map([...deployed].flatMap((file) => imagesOf(file).map((image) => [image.name, image])));
    const unset = [...concerned.values()].find(
      (image) => !family.some((kustomization) => retags(kustomization, image)),
    );
    if (unset === undefined) continue;
    throw new NixtagError(
      'KUSTOMIZE_REMOTE',
      messages.kustomizeRemote(remote.file, remote.line, remote.link, unset.name),
      {
        location: { file: remote.file, line: remote.line },
        hint: messages.kustomizeRemoteHint(unset.repository),
      },
    );
  }
}

/**
 * A kustomization's Helm chart (`helmCharts`) whose values a managed repository is named in (a
 * chart in the repository, where kustomize looks for it: `<chartHome>/<name>`) and whose
 * `valuesInline`, `valuesFile` or `additionalValuesFiles` can set an image is refused: helm
 * merges them over the chart's values, so an `image.tag` alone deploys the repository at a tag
 * nixtag does not judge (`kustomize build --enable-helm`).
 */
export function refuseChartOverrides(graph: KustomizeGraph, hits: readonly GrepHit[]): void {
  for (const override of graph.chartOverrides) {
    const named = hits.find(
      ({ file }) => file.startsWith(`${override.chart}/`) || file.startsWith(`${override.chart}-`),
    );
    if (named === undefined) continue;
    throw new NixtagError(
      'KUSTOMIZE_PATCH',
      messages.kustomizeChartOverride(override.file, override.line, `${named.file}:${named.line}`),
      { location: { file: override.file, line: override.line }, hint: messages.kustomizeChartOverrideHint() },
    );
  }
}
