import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeManifest } from '../manifest/decode.js';
import { appVersionDefaults, appVersionTags } from '../manifest/helmChart.js';
import {
  chartDeclaration,
  chartDirectory,
  chartTags,
  helmChartSources,
  type ChartDeclaration,
  type ChartTag,
} from '../manifest/chartValues.js';
import { KUSTOMIZATION_FILE, TEMPLATED_VALUES, YAML_FILE } from '../manifest/fileNames.js';
import { canonicalRepository } from '../manifest/reference.js';
import type { ScanOptions } from '../manifest/scan.js';
import type { grepTree as grepTreeType } from '../git/grep.js';
import type { ManifestScope } from './manifestSet.js';
import type { Session } from './session.js';
import { refuseUnreadTemplateTags } from './chartTemplates.js';
import { refuseUnparsedTemplate } from './templatedValues.js';

/** What Helm charts add to reading the manifests: appVersion tags, and values that override a chart's tags. */
export interface ChartReading {
  /** How to read a chart's values files, its Chart.yaml, the releases of a chart (manifest/helmChart.ts, chartValues.ts). */
  scans: Map<string, ScanOptions>;
  /** Files read beside the manifests in scope (a Chart.yaml, a values file), with the scope of the values they go with. */
  charts: Map<string, ManifestScope>;
  /** The values lines an appVersion reference is read with: managed, never mentions. */
  managedLines: Array<{ file: string; line: number }>;
  /** What else a verdict depends on: each such chart's Chart.yaml, and its templates (as globs). */
  files: string[];
  globs: string[];
}

const CHART = /(?:^|\/)Chart\.yaml$/;

/**
 * The charts whose values.yaml is read and whose templates default its tag to `.Chart.AppVersion`
 * (one `git grep` over their templates), and what that changes: the empty tag in values.yaml is
 * not a reference, Chart.yaml's `appVersion` is (helmChart.ts says when exactly). Then what
 * overrides a chart's tags (overrides below). Nothing is looked for in a tree without a chart.
 */
export async function readCharts(session: Session): Promise<ChartReading | undefined> {
  const all = session.entries
    .filter((entry) => CHART.test(entry.path))
    .map((entry) => entry.path.slice(0, -'Chart.yaml'.length));
  if (all.length === 0) return undefined;
  const directories = all.filter((prefix) => session.scopes.has(`${prefix}values.yaml`));
  const reading: ChartReading = {
    scans: new Map(),
    charts: new Map(),
    managedLines: [],
    files: directories.map((prefix) => `${prefix}Chart.yaml`),
    globs: directories.map((prefix) => `${prefix}templates/**`),
  };
  const { grepTree } = await import('../git/grep.js');
  const read = async (file: string) => {
    const bytes = await readFile(path.join(session.manifestRoot, file)).catch(() => undefined);
    const decoded = bytes && decodeManifest(bytes);
    return decoded && 'text' in decoded ? decoded.text : undefined;
  };
  const hits =
    directories.length === 0
      ? []
      : await grepTree(
          session.repository,
          session.treeId,
          ['.Chart.AppVersion'],
          directories.map((prefix) => `${prefix}templates/`),
        );
  await Promise.all(
    directories.map(async (prefix) => {
      const own = hits.filter((hit) => hit.file.startsWith(`${prefix}templates/`));
      const paths = own.flatMap((hit) => appVersionDefaults(hit.text));
      if (paths.length === 0) return;
      reading.files.push(...own.map((hit) => hit.file));
      const [values, chart] = await Promise.all([read(`${prefix}values.yaml`), read(`${prefix}Chart.yaml`)]);
      const tags = values === undefined || chart === undefined ? [] : appVersionTags(values, chart, paths);
      if (tags.length === 0) return;
      reading.scans.set(`${prefix}values.yaml`, { appVersionTags: tags.map((tag) => tag.path) });
      reading.scans.set(`${prefix}Chart.yaml`, { appVersionOf: tags.map((tag) => tag.repository) });
      reading.charts.set(`${prefix}Chart.yaml`, session.scopes.get(`${prefix}values.yaml`)!);
      reading.managedLines.push(
        ...tags.flatMap((tag) => tag.lines.map((line) => ({ file: `${prefix}values.yaml`, line }))),
      );
    }),
  );
  await readOverrides(session, all, read, reading, grepTree);
  reading.files = [...new Set(reading.files)];
  return reading;
}

type ReadText = (file: string) => Promise<string | undefined>;
type GrepTree = typeof grepTreeType;

/** Files of a chart directory that are not values: Helm reads them otherwise, or they are other charts'. */
const NOT_VALUES = /^(?:templates|charts|crds)\/|^(?:Chart\.yaml|Chart\.lock|requirements\.ya?ml|requirements\.lock)$/;

/** A subchart as its parent's values name it: `<key>.<its values>` (Helm's precedence, parent over child). */
interface Subchart {
  prefix: string;
  key: string;
}

/**
 * What sets a chart's tags besides its values.yaml, as Helm merges values (a later source over an
 * earlier one, key by key; a parent's values under a subchart's name or alias over the
 * subchart's own): every other values file of the chart's directory (`helm -f`, Argo CD
 * `valueFiles`, helmfile, Flux `valuesFiles` name them), its parent charts' values files under
 * the subchart's key (a subchart in `charts/`, or a `file://` dependency), the Helm sources of
 * Argo CD Applications whose `path` is the chart (`parameters`, `valuesObject`, `values`) and
 * the `spec.values` of Flux HelmReleases whose `spec.chart.spec.chart` is, and the releases of a
 * helmfile whose `chart` is (relative to the helmfile). A tag set there
 * deploys with the chart's repository: judged as its reference (chartValues.ts). A values file
 * of no chart that sets one is refused (HELM_VALUES_UNBOUND): which chart it goes to is unknown.
 */
async function readOverrides(
  session: Session,
  prefixes: readonly string[],
  read: ReadText,
  reading: ChartReading,
  grepTree: GrepTree,
): Promise<void> {
  const tracked = new Set(session.entries.map((entry) => entry.path));
  const managed = new Set(session.images.map((image) => image.canonical).filter((canonical) => canonical !== ''));
  const isManaged = (tag: ChartTag) =>
    managed.size === 0 ||
    managed.has(
      canonicalRepository(tag.registry === undefined ? tag.repository : `${tag.registry}/${tag.repository}`) ?? '',
    );
  const charts = new Map<string, { declaration: ChartDeclaration; own: ChartTag[] }>();
  await Promise.all(
    prefixes.map(async (prefix) => {
      const values = tracked.has(`${prefix}values.yaml`) ? await read(`${prefix}values.yaml`) : undefined;
      const chart = await read(`${prefix}Chart.yaml`);
      charts.set(prefix, {
        declaration: chartDeclaration(chart ?? ''),
        own: values === undefined ? [] : chartTags(values, `${prefix}values.yaml`).filter(isManaged),
      });
    }),
  );
  if (![...charts.values()].some((chart) => chart.own.length > 0)) return;
  await refuseUnreadTemplateTags(
    session,
    new Map(
      [...charts]
        .filter(([prefix]) => session.scopes.has(`${prefix}values.yaml`))
        .map(([prefix, chart]) => [prefix, chart.own]),
    ),
    grepTree,
  );
  // Each chart's subcharts, with the key its values give them.
  const subcharts = new Map<string, Subchart[]>();
  const addSubchart = (parent: string, child: Subchart) => {
    const known = subcharts.get(parent) ?? [];
    if (!known.some((other) => other.prefix === child.prefix && other.key === child.key))
      subcharts.set(parent, [...known, child]);
  };
  for (const [prefix, { declaration }] of charts) {
    const inCharts = /^(.*?)charts\/([^/]+)\/$/.exec(prefix);
    const parent = inCharts && charts.get(inCharts[1]!);
    if (inCharts && parent) {
      const name = declaration.name ?? inCharts[2]!;
      const declared = parent.declaration.dependencies.filter((dependency) => dependency.name === name);
      const keys = declared.length === 0 ? [name] : declared.map((dependency) => dependency.alias ?? name);
      for (const key of keys) addSubchart(inCharts[1]!, { prefix, key });
    }
    for (const dependency of declaration.dependencies) {
      if (!dependency.repository?.startsWith('file://')) continue;
      const target = path.posix.normalize(`${prefix}${dependency.repository.slice('file://'.length)}/`);
      const child = target === './' ? '' : target;
      if (child !== prefix && charts.has(child))
        addSubchart(prefix, { prefix: child, key: dependency.alias ?? dependency.name });
    }
  }
  const effective = (prefix: string, depth = 0): ChartTag[] => [
    ...(charts.get(prefix)?.own ?? []),
    ...(depth > 16
      ? []
      : (subcharts.get(prefix) ?? []).flatMap((child) =>
          effective(child.prefix, depth + 1).map((tag) => ({ ...tag, path: [child.key, ...tag.path] })),
        )),
  ];
  // The scope a chart's values are read in: its values.yaml's, or a subchart's that is in scope.
  const scopeOf = (prefix: string, depth = 0): ManifestScope | undefined =>
    session.scopes.get(`${prefix}values.yaml`) ??
    (depth > 16
      ? undefined
      : (subcharts.get(prefix) ?? [])
          .map((child) => scopeOf(child.prefix, depth + 1))
          .find((scope) => scope !== undefined));
  const nearestChart = (file: string) =>
    prefixes.filter((prefix) => file.startsWith(prefix)).sort((a, b) => b.length - a.length)[0];
  const configFiles = new Set(session.configFiles);
  const releases: Record<string, readonly ChartTag[]> = {};
  for (const prefix of prefixes) {
    const tags = effective(prefix);
    const scope = scopeOf(prefix);
    if (tags.length === 0 || scope === undefined) continue;
    releases[chartDirectory(prefix)] = tags;
    reading.files.push(`${prefix}Chart.yaml`);
    reading.globs.push(`${prefix}**`);
    for (const entry of session.entries) {
      const file = entry.path;
      const templated = TEMPLATED_VALUES.test(file);
      if (!file.startsWith(prefix) || !(YAML_FILE.test(file) || templated)) continue;
      if (NOT_VALUES.test(file.slice(prefix.length)) || configFiles.has(file) || nearestChart(file) !== prefix)
        continue;
      if (templated) refuseUnparsedTemplate(file, (await read(file)) ?? '', tags);
      reading.scans.set(file, { ...reading.scans.get(file), chartOverrides: { values: tags } });
      if (!session.scopes.has(file)) {
        reading.charts.set(file, scope);
        reading.files.push(file);
      }
    }
  }
  const all = Object.values(releases).flat();
  if (all.length === 0) return;
  // A templated file out of the manifests is read in the scope of every chart it may set.
  const everyScope: ManifestScope = {
    images: new Set(prefixes.flatMap((prefix) => [...(scopeOf(prefix)?.images ?? [])])),
    explicit: false,
  };
  const adoptTemplated = async (file: string) => {
    if (session.scopes.has(file) || reading.charts.has(file)) return;
    refuseUnparsedTemplate(file, (await read(file)) ?? '', all);
    reading.charts.set(file, everyScope);
    reading.files.push(file);
  };
  for (const { path: file } of session.entries) {
    if (!HELMFILE.test(file)) continue;
    if (TEMPLATED_VALUES.test(file)) await adoptTemplated(file);
    if (!session.scopes.has(file) && !reading.charts.has(file)) continue;
    const known = reading.scans.get(file);
    const helmfile = { directory: path.posix.dirname(file), releases };
    reading.scans.set(file, { ...known, chartOverrides: { ...known?.chartOverrides, helmfile } });
  }
  // The Argo CD Applications and Flux HelmReleases in scope, and the files out of every chart
  // that may set a tag key (`tag:`): those are read with the charts' tags (chartValues.ts).
  const tagKeys = [...new Set(all.map((tag) => `${tag.path.at(-1)!}:`))];
  const hits = await grepTree(session.repository, session.treeId, [...RELEASE_KINDS, HELM_CHART_KIND, ...tagKeys]);
  // The Flux HelmCharts a HelmRelease's `chartRef` may name, wherever they lie in the tree.
  const chartFiles = [
    ...new Set(
      hits.filter((hit) => hit.text.includes(HELM_CHART_KIND) && YAML_FILE.test(hit.file)).map((hit) => hit.file),
    ),
  ];
  const helmCharts = (
    await Promise.all(chartFiles.map(async (file) => helmChartSources((await read(file)) ?? '')))
  ).flat();
  reading.files.push(...chartFiles);
  for (const { file, text } of hits) {
    if (TEMPLATED_VALUES.test(file) && !HELMFILE.test(file) && nearestChart(file) === undefined)
      await adoptTemplated(file);
    if (!(session.scopes.has(file) || reading.charts.has(file)) || KUSTOMIZATION_FILE.test(file)) continue;
    if (!YAML_FILE.test(file) && !TEMPLATED_VALUES.test(file)) continue;
    const known = reading.scans.get(file);
    const lower = text.toLowerCase();
    if (RELEASE_KINDS.some((kind) => lower.includes(kind)) && known?.chartOverrides?.releases === undefined)
      reading.scans.set(file, { ...known, chartOverrides: { ...known?.chartOverrides, releases, helmCharts } });
    if (nearestChart(file) === undefined && known?.chartOverrides?.unbound === undefined) {
      const now = reading.scans.get(file);
      reading.scans.set(file, { ...now, chartOverrides: { ...now?.chartOverrides, unbound: all } });
    }
  }
}

/**
 * A helmfile: `helmfile.yaml`, or a file of `helmfile.d/` (https://helmfile.readthedocs.io/en/latest/#cli-reference),
 * either templated (`.gotmpl`, helmfile v1's name for a state file it renders first).
 */
const HELMFILE = /(?:^|\/)(?:helmfile\.ya?ml|helmfile\.d\/[^/]+\.ya?ml)(?:\.gotmpl)?$/;

/** What deploys a chart of the repository with values of its own (chartValues.ts). */
const RELEASE_KINDS = ['argoproj.io', 'helm.toolkit.fluxcd.io'];

/** Flux's source API group, whose HelmChart a HelmRelease's `chartRef` names. */
const HELM_CHART_KIND = 'source.toolkit.fluxcd.io';

/**
 * The files to read and how: the manifests in scope, each chart's values.yaml and Chart.yaml read
 * as ChartReading says, a Chart.yaml out of scope added beside its values (in path order).
 */
export function withCharts(
  scopes: ReadonlyMap<string, ManifestScope>,
  reading: ChartReading | undefined,
): Array<[string, ManifestScope & { scan?: ScanOptions | undefined }]> {
  if (reading === undefined) return [...scopes];
  const files = new Map<string, ManifestScope>([...reading.charts, ...scopes]);
  return [...files]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([file, scope]) => {
      const scan = reading.scans.get(file);
      return [file, scan === undefined ? scope : { ...scope, scan }];
    });
}
