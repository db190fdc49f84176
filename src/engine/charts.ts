import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeManifest } from '../manifest/decode.js';
import { appVersionDefaults, appVersionTags } from '../manifest/helmChart.js';
import type { ScanOptions } from '../manifest/scan.js';
import type { ManifestScope } from './manifestSet.js';
import type { Session } from './session.js';

/** What Helm charts add to reading the manifests: where a values tag left empty is Chart.yaml's appVersion. */
export interface ChartReading {
  /** How to read a chart's values.yaml and Chart.yaml (manifest/helmChart.ts). */
  scans: Map<string, ScanOptions>;
  /** Each Chart.yaml read, with the scope of its values.yaml (in or out of the manifest set). */
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
 * not a reference, Chart.yaml's `appVersion` is (helmChart.ts says when exactly). Nothing is
 * looked for in a tree without a chart in scope.
 */
export async function readCharts(session: Session): Promise<ChartReading | undefined> {
  const directories = session.entries
    .filter((entry) => CHART.test(entry.path))
    .map((entry) => entry.path.slice(0, -'Chart.yaml'.length))
    .filter((prefix) => session.scopes.has(`${prefix}values.yaml`));
  if (directories.length === 0) return undefined;
  const reading: ChartReading = {
    scans: new Map(),
    charts: new Map(),
    managedLines: [],
    files: directories.map((prefix) => `${prefix}Chart.yaml`),
    globs: directories.map((prefix) => `${prefix}templates/**`),
  };
  const { grepTree } = await import('../git/grep.js');
  const hits = await grepTree(
    session.repository,
    session.treeId,
    ['.Chart.AppVersion'],
    directories.map((prefix) => `${prefix}templates/`),
  );
  const read = async (file: string) => {
    const bytes = await readFile(path.join(session.manifestRoot, file)).catch(() => undefined);
    const decoded = bytes && decodeManifest(bytes);
    return decoded && 'text' in decoded ? decoded.text : undefined;
  };
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
  reading.files = [...new Set(reading.files)];
  return reading;
}

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
