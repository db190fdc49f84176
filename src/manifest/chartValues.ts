import { posix } from 'node:path';
import {
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  parseDocument,
  type Document,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import { DocumentReader } from './documentReader.js';
import { embeddedBlock } from './embedded.js';
import { locateOccurrences, type Occurrence } from './locate.js';
import { argoSources } from './shapes/argo.js';
import { SIBLING_TAG_KEYS, tagText } from './shapes/imageKeys.js';

/**
 * A tag a chart's default values (its values.yaml) give an image: the key path of the tag
 * (`image.tag`, also when values.yaml leaves it out) and the repository written beside it. Helm
 * merges every other source of values over these key by key, so a value at the same path set
 * elsewhere (another `-f` file, a parent chart's values under the subchart's name, an Argo CD
 * parameter) is that image's tag as deployed, with the repository still the chart's.
 */
export interface ChartTag {
  path: readonly string[];
  repository: string;
  registry?: string | undefined;
  /** The values.yaml that gives it. */
  source: string;
}

/** How a manifest overrides charts' tags, as the engine found out from the charts (engine/charts.ts). */
export interface ChartOverrides {
  /** The file is a values file of a chart (or of its parent): a scalar at a tag's path sets it. */
  values?: readonly ChartTag[] | undefined;
  /**
   * Argo CD Applications and Flux HelmReleases: a Helm source whose `path` (a HelmRelease's
   * `spec.chart.spec.chart`) is one of these chart directories sets its tags.
   */
  releases?: Readonly<Record<string, readonly ChartTag[]>> | undefined;
  /**
   * The Flux HelmCharts of the repository, for a HelmRelease's `chartRef: {kind: HelmChart}`: by
   * name, the chart path each builds (its `spec.chart`) and its namespace if written.
   */
  helmCharts?: readonly HelmChartSource[] | undefined;
  /**
   * A helmfile (helmfile.yaml, helmfile.d/*.yaml): its `releases[]` whose `chart` (relative to
   * the helmfile's `directory`) is one of these chart directories set their tags.
   */
  helmfile?: { directory: string; releases: Readonly<Record<string, readonly ChartTag[]>> } | undefined;
  /**
   * A YAML file outside every chart directory: a tag-only value at one of these paths is a values
   * file of some chart (`helm -f ../envs/prod.yaml`, helmfile), which one nixtag cannot tell.
   */
  unbound?: readonly ChartTag[] | undefined;
}

/** A Flux HelmChart object: `spec.chart` (a path in its source, or a chart name) by its name. */
export interface HelmChartSource {
  name: string;
  namespace: string | undefined;
  /** Undefined for a chart of a HelmRepository (a name there, no path of this repository). */
  chart: string | undefined;
}

/** A tag-only value at a chart's tag path in a file nixtag cannot place under a chart (ChartOverrides.unbound). */
export class UnboundValuesError extends Error {
  constructor(
    readonly offset: number,
    readonly tag: ChartTag,
    /** The values are a ConfigMap's or Secret's value (`data.values.yaml`), not a file's. */
    readonly object?: string,
  ) {
    super(`a values file of no chart sets ${tag.path.join('.')}`);
  }
}

/**
 * A chart's tag set by something nixtag does not read (an Argo CD `fileParameters` file, a Flux
 * `valuesFrom` `targetPath`): the tag deployed is not one nixtag can judge.
 */
export class UnreadOverrideError extends Error {
  constructor(
    readonly offset: number,
    readonly tag: ChartTag,
    readonly how: string,
  ) {
    super(`${how} sets ${tag.path.join('.')}`);
  }
}

/** The offset a node starts at (0 when unknown). */
const offsetOf = (node: unknown) => (node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? 0;

const TAG_KEYS = [...new Set([...SIBLING_TAG_KEYS.repository, ...SIBLING_TAG_KEYS.image])];

/** The key path of every map reached from the root by plain keys (merge sources aside). */
function mapPaths(reader: DocumentReader): Map<YAMLMap, string[]> {
  const paths = new Map<YAMLMap, string[]>();
  const walk = (node: unknown, path: string[]) => {
    if (!isMap(node) || paths.has(node) || path.length > 32) return;
    paths.set(node, path);
    for (const pair of node.items) {
      const key = reader.keyOf(pair);
      if (key !== undefined && !reader.isMerge(pair)) walk(reader.resolve(pair.value), [...path, key]);
    }
  };
  walk(reader.doc.contents, []);
  return paths;
}

/**
 * The tags a chart's values.yaml gives beside a repository (`{registry?, repository, tag}`,
 * `image` + `imageTag`): what the scan judges there, with the path of its tag key. A values.yaml
 * nixtag cannot read gives none (its own scan says why).
 */
export function chartTags(valuesText: string, source: string): ChartTag[] {
  const doc = parseDocument(valuesText, { uniqueKeys: false, strict: false });
  if (doc.errors.length > 0) return [];
  let found: Occurrence[];
  try {
    found = locateOccurrences(doc, 'values.yaml', valuesText, false);
  } catch {
    return [];
  }
  const reader = new DocumentReader(doc);
  const paths = mapPaths(reader);
  const tags: ChartTag[] = [];
  for (const occurrence of found) {
    const repositoryNode = occurrence.repositoryNode;
    if (occurrence.context !== 'sibling-tag' || repositoryNode === undefined) continue;
    for (const [map, path] of paths) {
      const repositoryKey = (['repository', 'image'] as const).find(
        (key) => reader.scalar(map, key) === repositoryNode,
      );
      if (repositoryKey === undefined) continue;
      const tagKey = occurrence.missingTag ?? TAG_KEYS.find((key) => reader.scalar(map, key) === occurrence.node);
      if (tagKey === undefined) break;
      const registry = reader.scalar(map, 'registry')?.value;
      tags.push({
        path: [...path, tagKey],
        repository: String(repositoryNode.value),
        registry: registryText(registry),
        source,
      });
      break;
    }
  }
  return tags;
}

/** A `registry` value as a repository's prefix: none when empty. */
function registryText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.replace(/\/+$/, '') : undefined;
}

/** A tag-only value `node` read as the chart's `tag`, under the `registry` written beside it if any. */
function tagOverride(
  tag: ChartTag,
  node: Scalar,
  registryNode: Scalar | undefined,
  context: Occurrence['context'],
): Occurrence {
  const registry = registryText(registryNode?.value) ?? tag.registry;
  return {
    form: 'tag',
    context,
    node,
    text: tagText(node),
    repository: registry === undefined ? tag.repository : `${registry}/${tag.repository}`,
    related: registryNode === undefined ? undefined : [registryNode],
  };
}

/**
 * The scalars a document of values (`root`) sets at the tags' paths, where the map holding it
 * names no repository of its own (that one is judged as written, manifest/shapes/imageKeys.ts):
 * each is the tag Helm deploys with the chart's repository (a `registry` written beside it too).
 */
function overridesIn(
  reader: DocumentReader,
  root: unknown,
  tags: readonly ChartTag[],
  context: Occurrence['context'],
): Occurrence[] {
  const found: Occurrence[] = [];
  for (const tag of tags) {
    const holder = reader.at(root, tag.path.slice(0, -1));
    if (!isMap(holder)) continue;
    const own = ['repository', 'image'].some((key) => typeof reader.scalar(holder, key)?.value === 'string');
    const node = own ? undefined : reader.scalar(holder, tag.path.at(-1)!);
    if (node === undefined) continue;
    found.push(tagOverride(tag, node, reader.scalar(holder, 'registry'), context));
  }
  return found;
}

/**
 * A chart directory as an Argo CD source `path` names it (`./chart/` is `chart`, `.` the root;
 * `./x/../chart` is `chart`, as Flux and Argo CD clean a path before they read it).
 */
export function chartDirectory(path: string): string {
  const parts = posix
    .normalize(path)
    .split('/')
    .filter((part) => part !== '' && part !== '.');
  return parts.join('/');
}

/** The Flux HelmCharts a document declares (`source.toolkit.fluxcd.io` `kind: HelmChart`). */
export function helmChartSources(text: string): HelmChartSource[] {
  return parseAllDocuments(text, { uniqueKeys: false, strict: false }).flatMap((doc) => {
    if (!('errors' in doc) || doc.errors.length > 0) return [];
    const reader = new DocumentReader(doc);
    const root = doc.contents;
    if (!isMap(root) || reader.scalar(root, 'kind')?.value !== 'HelmChart') return [];
    const apiVersion = reader.scalar(root, 'apiVersion')?.value;
    if (typeof apiVersion !== 'string' || !apiVersion.startsWith('source.toolkit.fluxcd.io/')) return [];
    const name = reader.at(root, ['metadata', 'name']);
    const namespace = reader.at(root, ['metadata', 'namespace']);
    const chart = reader.at(root, ['spec', 'chart']);
    if (!isScalar(name) || typeof name.value !== 'string' || !isScalar(chart) || typeof chart.value !== 'string')
      return [];
    const sourceKind = reader.at(root, ['spec', 'sourceRef', 'kind']);
    const repository = isScalar(sourceKind) && sourceKind.value === 'HelmRepository';
    return [
      {
        name: name.value,
        namespace: isScalar(namespace) && typeof namespace.value === 'string' ? namespace.value : undefined,
        chart: repository ? undefined : chart.value,
      },
    ];
  });
}

/**
 * The chart a HelmRelease deploys, as a path of the repository: `spec.chart.spec.chart`, or the
 * `spec.chart` of the HelmChart its `chartRef` names (in its namespace, the release's by default:
 * https://fluxcd.io/flux/components/helm/helmreleases/#chart-reference). `missing` when that
 * HelmChart is not in the repository: which chart it builds is not known here.
 */
function releaseChart(
  reader: DocumentReader,
  root: YAMLMap,
  spec: unknown,
  helmCharts: readonly HelmChartSource[],
): { path: string } | { missing: Scalar } | undefined {
  const chart = reader.at(spec, ['chart', 'spec', 'chart']);
  if (isScalar(chart) && typeof chart.value === 'string') return { path: chart.value };
  const chartRef = reader.at(spec, ['chartRef']);
  if (!isMap(chartRef) || reader.scalar(chartRef, 'kind')?.value !== 'HelmChart') return undefined;
  const name = reader.scalar(chartRef, 'name');
  if (typeof name?.value !== 'string') return undefined;
  const releaseNamespace = reader.at(root, ['metadata', 'namespace']);
  const namespace =
    reader.scalar(chartRef, 'namespace')?.value ?? (isScalar(releaseNamespace) ? releaseNamespace.value : undefined);
  const source = helmCharts.find(
    (known) =>
      known.name === name.value &&
      (known.namespace === undefined || namespace === undefined || known.namespace === namespace),
  );
  if (source === undefined) return { missing: name };
  return source.chart === undefined ? undefined : { path: source.chart };
}

/**
 * What a Flux HelmRelease's `spec.values` set of a chart of this repository (`spec.chart.spec.chart`,
 * or a `chartRef` HelmChart's `spec.chart`). A release whose `chartRef` names a HelmChart that is
 * not in the repository and whose values set a chart's tag path alone is refused.
 */
function fluxOverrides(
  reader: DocumentReader,
  charts: Readonly<Record<string, readonly ChartTag[]>>,
  helmCharts: readonly HelmChartSource[],
): Occurrence[] {
  const root = reader.doc.contents;
  if (!isMap(root)) return [];
  const apiVersion = reader.scalar(root, 'apiVersion')?.value;
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith('helm.toolkit.fluxcd.io/')) return [];
  const spec = reader.value(root, 'spec');
  const chart = releaseChart(reader, root, spec, helmCharts);
  if (!isMap(spec)) return [];
  if (chart !== undefined && 'missing' in chart) {
    const all = [
      ...new Map(
        Object.values(charts)
          .flat()
          .map((tag) => [tag.path.join('.'), tag]),
      ).values(),
    ];
    const [unknown] = overridesIn(reader, reader.value(spec, 'values'), all, 'sibling-tag');
    const tag = unknown && all.find((known) => reader.at(reader.value(spec, 'values'), known.path) === unknown.node);
    if (tag !== undefined)
      throw new UnreadOverrideError(offsetOf(chart.missing), tag, 'chartRef (a HelmChart not in the repository)');
    return [];
  }
  const tags = chart === undefined ? undefined : charts[chartDirectory(chart.path)];
  if (tags === undefined) return [];
  // `valuesFrom: [{kind, name, valuesKey, targetPath: image.tag}]`: helm-controller sets the value
  // read from a ConfigMap or Secret at that path, over the chart's values
  // (https://fluxcd.io/flux/components/helm/helmreleases/#values-references).
  const valuesFrom = reader.value(spec, 'valuesFrom');
  for (const item of isSeq(valuesFrom) ? valuesFrom.items : []) {
    const entry = reader.resolve(item);
    const targetPath = isMap(entry) ? reader.scalar(entry, 'targetPath') : undefined;
    if (typeof targetPath?.value !== 'string') continue;
    const target = targetPath.value;
    const tag = tags.find((known) => {
      const path = known.path.join('.');
      return path === target || path.startsWith(`${target}.`);
    });
    if (tag !== undefined) throw new UnreadOverrideError(offsetOf(targetPath), tag, 'valuesFrom targetPath');
  }
  return overridesIn(reader, reader.value(spec, 'values'), tags, 'sibling-tag');
}

/** What an Argo CD Application's Helm sources set of the charts it deploys from this repository. */
function argoOverrides(
  doc: Document,
  text: string,
  charts: Readonly<Record<string, readonly ChartTag[]>>,
): Occurrence[] {
  const reader = new DocumentReader(doc);
  const found: Occurrence[] = [];
  for (const { source, helm } of argoSources(reader)) {
    const path = reader.scalar(source, 'path')?.value;
    const tags = typeof path === 'string' ? charts[chartDirectory(path)] : undefined;
    if (tags === undefined) continue;
    // `fileParameters: [{name: image.tag, path: tag.txt}]`: Argo CD runs `helm --set-file`, the
    // file's content being the value (https://argo-cd.readthedocs.io/en/stable/user-guide/helm/#helm-parameters).
    const fileParameters = reader.value(helm, 'fileParameters');
    for (const item of isSeq(fileParameters) ? fileParameters.items : []) {
      const entry = reader.resolve(item);
      const name = isMap(entry) ? reader.scalar(entry, 'name') : undefined;
      const tag = tags.find((known) => known.path.join('.') === name?.value);
      if (tag !== undefined) throw new UnreadOverrideError(offsetOf(name), tag, 'fileParameters');
    }
    // `parameters: [{name: image.tag, value: …}]`, unless a repository parameter beside it names its own.
    found.push(...setOverrides(namedValues(reader, reader.value(helm, 'parameters')), tags));
    found.push(...overridesIn(reader, reader.value(helm, 'valuesObject'), tags, 'sibling-tag'));
    // `values` as a string of YAML: searched inside, rewritten only where it maps back (embedded.ts).
    const values = reader.value(helm, 'values');
    const block = isScalar(values) ? embeddedBlock(text, values) : undefined;
    if (block === undefined) continue;
    const inner = parseDocument(block.text, { uniqueKeys: false, strict: false });
    if (inner.errors.length > 0) continue;
    const innerReader = new DocumentReader(inner);
    found.push(
      ...overridesIn(innerReader, inner.contents, tags, 'sibling-tag').map((occurrence) => ({
        ...occurrence,
        embedded: block,
      })),
    );
  }
  return found;
}

/** The value of each `{name, value}` entry of a list (Argo CD `parameters`, helmfile `set`), by name. */
function namedValues(reader: DocumentReader, list: unknown): Map<string, Scalar> {
  const named = new Map<string, Scalar>();
  for (const item of isSeq(list) ? list.items : []) {
    const entry = reader.resolve(item);
    const name = isMap(entry) ? reader.scalar(entry, 'name')?.value : undefined;
    const value = isMap(entry) ? reader.scalar(entry, 'value') : undefined;
    if (typeof name === 'string' && value !== undefined) named.set(name, value);
  }
  return named;
}

/**
 * The tags a list of `{name: image.tag, value}` sets (`helm --set`), unless a repository entry
 * beside it names its own.
 */
function setOverrides(named: ReadonlyMap<string, Scalar>, tags: readonly ChartTag[]): Occurrence[] {
  const found: Occurrence[] = [];
  for (const tag of tags) {
    const node = named.get(tag.path.join('.'));
    const prefix = tag.path.slice(0, -1).join('.');
    if (node === undefined || named.has(`${prefix}.repository`) || named.has(`${prefix}.image`)) continue;
    found.push(tagOverride(tag, node, named.get(`${prefix}.registry`), 'helm-parameter'));
  }
  return found;
}

/**
 * What a helmfile's releases set of the charts they deploy from this repository
 * (https://helmfile.readthedocs.io/en/latest/#configuration): `set: [{name: image.tag, value}]`
 * is `helm --set` (`setString` `--set-string`), an inline map under `values:` a values file merged over the chart's, each a
 * `chart:` path relative to the helmfile. A `set` entry that reads its value from a file
 * (`file:`) is refused (UnreadOverrideError). Values files a release names are read where they
 * lie (in the chart's directory, or out of every chart: HELM_VALUES_UNBOUND).
 */
/**
 * helmfile renders its state file as a Go template first (always a `.gotmpl` one, in v0 a
 * `helmfile.yaml` too): a bare `{{ env "TAG" }}` at a tag's place reads as a YAML flow map, and
 * what helmfile puts there is not known. A tag is a scalar: a collection there is refused.
 */
const isCollection = (node: unknown) => isMap(node) || isSeq(node);

function helmfileOverrides(reader: DocumentReader, helmfile: NonNullable<ChartOverrides['helmfile']>): Occurrence[] {
  const root = reader.doc.contents;
  const releases = isMap(root) ? reader.value(root, 'releases') : undefined;
  const found: Occurrence[] = [];
  for (const item of isSeq(releases) ? releases.items : []) {
    const release = reader.resolve(item);
    const chart = isMap(release) ? reader.scalar(release, 'chart')?.value : undefined;
    if (!isMap(release) || typeof chart !== 'string') continue;
    const tags = helmfile.releases[chartDirectory(posix.join(helmfile.directory, chart))];
    if (tags === undefined) continue;
    // `setString` is `helm --set-string`: the same value, kept a string.
    for (const key of ['set', 'setString']) {
      const set = reader.value(release, key);
      for (const entry of isSeq(set) ? set.items.map((one) => reader.resolve(one)) : []) {
        const name = isMap(entry) ? reader.scalar(entry, 'name') : undefined;
        const tag = tags.find((known) => known.path.join('.') === name?.value);
        if (tag !== undefined && isMap(entry) && reader.value(entry, 'file') !== undefined)
          throw new UnreadOverrideError(offsetOf(name), tag, `helmfile ${key} file`);
        const value = tag !== undefined && isMap(entry) ? reader.value(entry, 'value') : undefined;
        if (isCollection(value))
          throw new UnreadOverrideError(offsetOf(value), tag!, `helmfile ${key} template action`);
      }
      found.push(...setOverrides(namedValues(reader, set), tags));
    }
    const values = reader.value(release, 'values');
    for (const inline of isSeq(values) ? values.items : []) {
      const map = reader.resolve(inline);
      if (!isMap(map)) continue;
      found.push(...overridesIn(reader, map, tags, 'sibling-tag'));
      const action = tags.find((tag) => isCollection(reader.at(map, tag.path)));
      if (action !== undefined)
        throw new UnreadOverrideError(offsetOf(reader.at(map, action.path)), action, 'helmfile values template action');
    }
  }
  return found;
}

/** Where an occurrence starts in the manifest, for ordering. */
function startOf(occurrence: Occurrence): number {
  const start = occurrence.node.range?.[0] ?? 0;
  if (occurrence.embedded === undefined) return start;
  return occurrence.embedded.toHost(start) ?? occurrence.embedded.at;
}

/**
 * A ConfigMap's `data` (or a Secret's `stringData`) value that is a document of values setting a
 * chart's tag path with no repository beside it: what a Flux HelmRelease's `valuesFrom` (no
 * `targetPath`) merges over the chart's values (https://fluxcd.io/flux/components/helm/helmreleases/#values-references),
 * or `helm -f` of a mounted file. Refused as a values file of no chart (HELM_VALUES_UNBOUND):
 * which chart it is given to is not known here.
 */
function refuseValuesData(reader: DocumentReader, text: string, tags: readonly ChartTag[]): void {
  const root = reader.doc.contents;
  const kind = isMap(root) ? reader.scalar(root, 'kind')?.value : undefined;
  const key = kind === 'ConfigMap' ? 'data' : kind === 'Secret' ? 'stringData' : undefined;
  const data = key === undefined || !isMap(root) ? undefined : reader.value(root, key);
  for (const pair of isMap(data) ? data.items : []) {
    const value = reader.resolve(pair.value);
    const block = isScalar(value) ? embeddedBlock(text, value) : undefined;
    if (block === undefined || !block.text.includes(':')) continue;
    const inner = parseDocument(block.text, { uniqueKeys: false, strict: false });
    if (inner.errors.length > 0) continue;
    const innerReader = new DocumentReader(inner);
    const [unbound] = overridesIn(innerReader, inner.contents, tags, 'sibling-tag');
    if (unbound === undefined) continue;
    const tag = tags.find((known) => innerReader.at(inner.contents, known.path) === unbound.node)!;
    const name = String(reader.keyOf(pair) ?? '');
    throw new UnboundValuesError(block.toHost(unbound.node.range?.[0] ?? 0) ?? block.at, tag, `${key}.${name}`);
  }
}

/**
 * The occurrences of a document with the charts' tags it overrides added: a tag-only value that
 * no shape can read alone (the repository is in the chart's values.yaml). One a shape found
 * without its repository (an Argo `image.tag` parameter) is replaced by the one that knows it.
 */
export function withChartOverrides(
  doc: Document,
  text: string,
  found: readonly Occurrence[],
  overrides: ChartOverrides,
): Occurrence[] {
  const reader = new DocumentReader(doc);
  const root = doc.contents;
  const added = [
    ...(overrides.values === undefined ? [] : overridesIn(reader, root, overrides.values, 'sibling-tag')),
    ...(overrides.releases === undefined
      ? []
      : [
          ...argoOverrides(doc, text, overrides.releases),
          ...fluxOverrides(reader, overrides.releases, overrides.helmCharts ?? []),
        ]),
    ...(overrides.helmfile === undefined ? [] : helmfileOverrides(reader, overrides.helmfile)),
  ];
  // A Kubernetes object is no values file; any other document of a file out of every chart may be one.
  const object =
    isMap(root) && reader.scalar(root, 'apiVersion') !== undefined && reader.scalar(root, 'kind') !== undefined;
  if (overrides.unbound !== undefined && !object) {
    const [unbound] = overridesIn(reader, root, overrides.unbound, 'sibling-tag');
    if (unbound !== undefined) {
      const tag = overrides.unbound.find((known) => reader.at(root, known.path) === unbound.node)!;
      throw new UnboundValuesError(unbound.node.range?.[0] ?? 0, tag);
    }
  }
  if (overrides.unbound !== undefined && object) refuseValuesData(reader, text, overrides.unbound);
  if (added.length === 0) return [...found];
  const nodes = new Set(added.map((occurrence) => occurrence.node));
  const kept = found.filter((occurrence) => !(nodes.has(occurrence.node) && occurrence.repository === undefined));
  const keptNodes = new Set(kept.map((occurrence) => occurrence.node));
  const unique = added.filter(
    (occurrence, index) =>
      !keptNodes.has(occurrence.node) && added.findIndex((other) => other.node === occurrence.node) === index,
  );
  return [...kept, ...unique].sort((a, b) => startOf(a) - startOf(b));
}

/** What a Chart.yaml says of the values a parent hands its subcharts: its name, its dependencies' names and aliases. */
export interface ChartDeclaration {
  name: string | undefined;
  dependencies: Array<{ name: string; alias: string | undefined; repository: string | undefined }>;
}

/** A Chart.yaml's name and dependencies; nothing of one that is not YAML. */
export function chartDeclaration(text: string): ChartDeclaration {
  const doc = parseDocument(text, { uniqueKeys: false, strict: false });
  const reader = new DocumentReader(doc);
  const root = doc.errors.length > 0 ? undefined : doc.contents;
  if (!isMap(root)) return { name: undefined, dependencies: [] };
  const text_ = (map: YAMLMap, key: string) => {
    const value = reader.scalar(map, key)?.value;
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const dependencies = reader.value(root, 'dependencies');
  return {
    name: text_(root, 'name'),
    dependencies: (isSeq(dependencies) ? dependencies.items : []).flatMap((item) => {
      const entry = reader.resolve(item);
      const name = isMap(entry) ? text_(entry, 'name') : undefined;
      return isMap(entry) && name !== undefined
        ? [{ name, alias: text_(entry, 'alias'), repository: text_(entry, 'repository') }]
        : [];
    }),
  };
}
