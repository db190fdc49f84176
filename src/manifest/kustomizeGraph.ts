import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parse, parseAllDocuments, type Scalar } from 'yaml';
import { DocumentReader } from './documentReader.js';
import { KUSTOMIZATION_FILE } from './fileNames.js';
import { kustomizeHolder } from './shapes/kustomize.js';

interface Node {
  component: boolean;
  /** Kustomizations and files its `resources` (and old `bases`) name. */
  resources: string[];
  /** Components its `components` name. */
  components: string[];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/**
 * Which files a kustomization's transformers (its `images:` entries) reach, from the tracked
 * kustomizations' `resources`, `bases` and `components`: a Kustomization's own tree, a Component's
 * the trees of the kustomizations that include it. Returns undefined for a file that is not a
 * kustomization kustomize reads by name (a Flux Kustomization): its reach is not known.
 */
export function kustomizeReach(
  root: string,
  tracked: readonly string[],
): (kustomization: string) => Set<string> | undefined {
  const files = new Set(tracked);
  const byDirectory = new Map<string, string>();
  for (const file of tracked) if (KUSTOMIZATION_FILE.test(file)) byDirectory.set(path.posix.dirname(file), file);
  const nodes = new Map<string, Node>();
  const nodeOf = (file: string): Node => {
    const known = nodes.get(file);
    if (known !== undefined) return known;
    let content: Record<string, unknown> = {};
    try {
      const parsed: unknown = parse(readFileSync(path.join(root, file), 'utf8'));
      if (parsed !== null && typeof parsed === 'object') content = parsed as Record<string, unknown>;
    } catch {
      // unreadable: it reaches nothing nixtag can tell
    }
    const directory = path.posix.dirname(file);
    const target = (link: string) => {
      const joined = path.posix.normalize(path.posix.join(directory, link)).replace(/\/$/, '');
      return byDirectory.get(joined) ?? (files.has(joined) ? joined : undefined);
    };
    const targets = (links: string[]) => links.map(target).filter((found) => found !== undefined);
    const node = {
      component: content.kind === 'Component',
      resources: targets([...strings(content.resources), ...strings(content.bases)]),
      components: targets(strings(content.components)),
    };
    nodes.set(file, node);
    return node;
  };
  const reach = (from: string): Set<string> => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      if (!byDirectory.has(path.posix.dirname(file)) || byDirectory.get(path.posix.dirname(file)) !== file) return;
      const node = nodeOf(file);
      [...node.resources, ...node.components].forEach(visit);
    };
    visit(from);
    return seen;
  };
  const includers = (component: string, seen: Set<string>): string[] =>
    [...byDirectory.values()].flatMap((file) => {
      if (seen.has(file) || !nodeOf(file).components.includes(component)) return [];
      seen.add(file);
      return nodeOf(file).component ? includers(file, seen) : [file];
    });
  return (kustomization) => {
    if (byDirectory.get(path.posix.dirname(kustomization)) !== kustomization) return undefined;
    if (!nodeOf(kustomization).component) return reach(kustomization);
    return new Set(includers(kustomization, new Set([kustomization])).flatMap((file) => [...reach(file)]));
  };
}

const PATCH_KEYS = new Set(['patches', 'patchesStrategicMerge', 'patchesJson6902']);

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
 * The line ranges of a kustomization's patches (inline ones included), and of the `images:`
 * entries whose `newName` carries a tag or digest (kustomize renders `repo:tag:tag`), also in a
 * Flux Kustomization's `spec` (shapes/kustomize.ts kustomizeHolder): where kustomize sets what it deploys and nixtag reads no reference.
 */
export function settingRanges(root: string, file: string): SettingRange[] {
  let text: string;
  try {
    text = readFileSync(path.join(root, file), 'utf8');
  } catch {
    return [];
  }
  const lineCounter = new LineCounter();
  const line = (offset: number) => lineCounter.linePos(offset).line;
  const ranges: SettingRange[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    if (!('contents' in doc)) continue;
    // Read as the kustomize shape reads it: aliases, merge keys, a key written twice.
    const reader = new DocumentReader(doc);
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
      if (typeof key !== 'string' || !PATCH_KEYS.has(key) || range == null) continue;
      ranges.push({ from: line(range[0]), to: line(range[2]), key });
    }
  }
  return ranges;
}
