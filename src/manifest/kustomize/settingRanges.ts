import {
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
  type Scalar,
} from 'yaml';
import { DocumentReader } from '../documentReader.js';
import { argoKustomizePatches } from '../shapes/argo.js';
import { kustomizeHolder } from '../shapes/kustomize.js';
import { isDataGenerator, parseDocs, readText } from './documents.js';

const SETTING_KEYS = new Set<string>([
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'transformers',
  'generators',
  'replacements',
  'helmCharts',
]);

/** Where in a kustomization kustomize sets what it deploys, unread by nixtag: 1-based lines, and the key. */
export interface SettingRange {
  from: number;
  to: number;
  key: string;
}

/**
 * Whether a `newName` carries a tag or digest: a `:` or `@` after its last `/` (a registry's
 * port comes before it), parsable or not (`app:`, `app@`).
 */
function taggedName(newName: Scalar | undefined): boolean {
  if (typeof newName?.value !== 'string') return false;
  const last = newName.value.slice(newName.value.lastIndexOf('/') + 1);
  return last.includes(':') || last.includes('@');
}

/**
 * The ranges of the nodes that aliases under `node` stand for (`patch: *p` of a string anchored
 * in an annotation): kustomize, Flux and every YAML reader read the anchored text there, so a
 * managed repository named on the anchor's lines is named in the patch too.
 */
function aliasedRanges(doc: Document, node: unknown): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if (seen.has(value) || seen.size > 10_000) return;
    seen.add(value);
    if (isAlias(value)) {
      const target = value.resolve(doc);
      if (isNode(target) && target.range) ranges.push([target.range[0], target.range[2]]);
      walk(target);
    } else if (isPair(value)) {
      walk(value.key);
      walk(value.value);
    } else if (isMap(value) || isSeq(value)) {
      for (const item of value.items) walk(item);
    }
  };
  walk(node);
  return ranges;
}

/**
 * A Flux HelmRelease's `spec.postRenderers`: helm-controller applies their kustomize `images` and
 * `patches` to the chart it rendered (https://fluxcd.io/flux/components/helm/helmreleases/#post-renderers),
 * as kustomize would.
 */
function helmReleasePostRenderers(reader: DocumentReader): Node | undefined {
  const root = reader.doc.contents;
  if (!isMap(root)) return undefined;
  const apiVersion = reader.scalar(root, 'apiVersion')?.value;
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith('helm.toolkit.fluxcd.io/')) return undefined;
  const spec = reader.value(root, 'spec');
  const value = isMap(spec) ? spec.items.find((pair) => reader.keyOf(pair) === 'postRenderers')?.value : undefined;
  return isNode(value) ? value : undefined;
}

/**
 * The line ranges of a kustomization's patches (inline ones included), transformers, generators,
 * replacements and Helm charts, and of the `images:` entries whose `newName` carries a tag or
 * digest (kustomize renders `repo:tag:tag`), also in a Flux Kustomization's `spec`
 * (shapes/kustomize.ts kustomizeHolder), of an Argo CD Application's `kustomize.patches`, and of a
 * Flux HelmRelease's post-renderers: where kustomize
 * sets what it deploys and nixtag reads no reference.
 */
export function settingRanges(root: string, file: string): SettingRange[] {
  const text = readText(root, file);
  if (text === undefined) return [];
  const lineCounter = new LineCounter();
  const line = (offset: number) => lineCounter.linePos(offset).line;
  const ranges: SettingRange[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    if (!('contents' in doc)) continue;
    // Read as the kustomize shape reads it: aliases, merge keys, a key written twice.
    const reader = new DocumentReader(doc);
    const postRenderers = helmReleasePostRenderers(reader);
    if (postRenderers?.range) {
      const [from, , to] = postRenderers.range;
      ranges.push({ from: line(from), to: line(to), key: 'postRenderers' });
      for (const [start, end] of aliasedRanges(doc, postRenderers))
        ranges.push({ from: line(start), to: line(end), key: 'postRenderers' });
    }
    for (const patches of argoKustomizePatches(reader)) {
      if (!patches.range) continue;
      ranges.push({ from: line(patches.range[0]), to: line(patches.range[2]), key: 'argoPatches' });
      for (const [start, end] of aliasedRanges(doc, patches))
        ranges.push({ from: line(start), to: line(end), key: 'argoPatches' });
    }
    const holder = kustomizeHolder(reader, file);
    for (const pair of holder?.items ?? []) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      const range = isNode(pair.value) ? pair.value.range : undefined;
      if (key === 'images' && isSeq(pair.value)) {
        for (const entry of pair.value.items) {
          const map = reader.resolve(entry);
          if (!isMap(map) || !isNode(entry) || !entry.range || !taggedName(reader.scalar(map, 'newName'))) continue;
          ranges.push({ from: line(entry.range[0]), to: line(entry.range[2]), key });
        }
      }
      if (typeof key !== 'string' || !SETTING_KEYS.has(key) || range == null) continue;
      if (key === 'generators' && isSeq(pair.value)) {
        // Each generator apart: one written inline that writes only a ConfigMap's or Secret's data
        // is read as a kustomization's `configMapGenerator:` is.
        for (const item of pair.value.items) {
          const config = reader.resolve(item);
          const inline = isScalar(config) && typeof config.value === 'string' ? parseDocs(config.value) : [];
          if (inline.length > 0 && inline.every((doc) => isDataGenerator(doc.reader, doc.contents))) continue;
          if (isNode(item) && item.range) ranges.push({ from: line(item.range[0]), to: line(item.range[2]), key });
          for (const [from, to] of aliasedRanges(doc, item)) ranges.push({ from: line(from), to: line(to), key });
        }
        continue;
      }
      ranges.push({ from: line(range[0]), to: line(range[2]), key });
      for (const [from, to] of aliasedRanges(doc, pair.value)) ranges.push({ from: line(from), to: line(to), key });
    }
  }
  return ranges;
}
