import { isAlias, isMap, isScalar, isSeq, type Document, type Scalar, type YAMLMap } from 'yaml';

/** How a manifest holds a reference: a whole `repo:tag` string, or a scalar that is only the tag. */
export type OccurrenceForm = 'reference' | 'tag';

export type OccurrenceContext = 'image-key' | 'helm-map' | 'kustomize' | 'marker';

export interface Occurrence {
  form: OccurrenceForm;
  context: OccurrenceContext;
  /** The scalar whose characters are rewritten. */
  node: Scalar;
  /** The scalar's value as text (`1.0` stays `1.0`). */
  text: string;
  /** For tag forms: the repository written beside the tag, if any. */
  repository?: string | undefined;
  /** Image name from a `# {"$nixtag": "NAME"}` marker. */
  markerImage?: string | undefined;
  /** A digest scalar beside a map-form tag (Helm `digest:`, kustomize `digest:`). */
  digestNode?: Scalar | undefined;
}

/** Refused beyond this depth: real manifests nest a few dozen levels. */
export const MAX_DEPTH = 256;

const MARKER = /^\s*\{\s*"\$nixtag"\s*:\s*"([^"]+)"\s*\}\s*$/;

export class NestingTooDeepError extends Error {}

function scalarText(node: Scalar): string | undefined {
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' || typeof node.value === 'boolean' || node.value === null) {
    return node.source ?? String(node.value);
  }
  return undefined;
}

function resolveNode(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/**
 * A key's scalar value in a map, looking through `<<` merge keys as YAML 1.1 merges do (a key
 * written in the map itself wins), so `<<: *defaults` can supply a Helm map's repository.
 */
function mapScalar(map: YAMLMap, key: string, doc: Document, depth = 0): Scalar | undefined {
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  if (pair !== undefined) {
    const value = resolveNode(pair.value, doc);
    return isScalar(value) ? value : undefined;
  }
  if (depth > 8) return undefined;
  for (const item of map.items) {
    if (!isScalar(item.key) || item.key.value !== '<<') continue;
    const merged = resolveNode(item.value, doc);
    const sources = isSeq(merged) ? merged.items.map((entry) => resolveNode(entry, doc)) : [merged];
    for (const source of sources) {
      const found = isMap(source) ? mapScalar(source, key, doc, depth + 1) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function markerOf(node: Scalar): string | undefined {
  return node.comment ? MARKER.exec(node.comment)?.[1] : undefined;
}

function isKustomization(doc: Document, fileName: string): boolean {
  const contents = doc.contents;
  if (!isMap(contents)) return false;
  const kind = contents.get('kind');
  return kind === 'Kustomization' || kind === 'Component' || /(^|\/)kustomization\.ya?ml$/i.test(fileName);
}

/**
 * Finds every scalar of one YAML document that holds an image reference or tag: `image:` keys at
 * any depth (containers of every workload kind, Tekton steps, Helm values), `{registry?,
 * repository, tag}` maps, kustomization `images:` entries, and scalars marked with a trailing
 * `# {"$nixtag": "NAME"}` or `"NAME:tag"` comment. Aliases are followed to their anchor, so a
 * reference behind an anchor is reported once.
 */
export function locateOccurrences(doc: Document, fileName: string): Occurrence[] {
  const found = new Map<Scalar, Occurrence>();
  const add = (occurrence: Occurrence) => {
    if (!found.has(occurrence.node)) found.set(occurrence.node, occurrence);
  };
  const marked: Scalar[] = [];

  // One walk over the document: markers, `image:` keys and Helm maps are all found in it.
  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw new NestingTooDeepError();
    if (isScalar(node)) {
      if (node.comment) marked.push(node);
      return;
    }
    if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1);
      return;
    }
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (key === 'image') {
        const value = resolveNode(pair.value, doc);
        if (isScalar(value) && typeof value.value === 'string') {
          add({ form: 'reference', context: 'image-key', node: value, text: value.value });
        }
      }
      walk(pair.value, depth + 1);
    }
    const tag = mapScalar(node, 'tag', doc);
    if (tag === undefined) return;
    const repository = mapScalar(node, 'repository', doc);
    if (repository !== undefined && typeof repository.value === 'string') {
      const registry = mapScalar(node, 'registry', doc);
      const registryText = typeof registry?.value === 'string' ? registry.value : '';
      add({
        form: 'tag',
        context: 'helm-map',
        node: tag,
        text: scalarText(tag) ?? '',
        repository: registryText ? `${registryText}/${repository.value}` : repository.value,
        digestNode: mapScalar(node, 'digest', doc),
      });
    }
  };
  walk(doc.contents, 0);

  if (isKustomization(doc, fileName) && isMap(doc.contents)) {
    const images = resolveNode(doc.contents.get('images', true), doc);
    if (isSeq(images)) {
      for (const entry of images.items) {
        const map = resolveNode(entry, doc);
        if (!isMap(map)) continue;
        const name = mapScalar(map, 'name', doc);
        const newName = mapScalar(map, 'newName', doc);
        const newTag = mapScalar(map, 'newTag', doc);
        const repository = newName?.value ?? name?.value;
        if (newTag === undefined || typeof repository !== 'string') continue;
        add({
          form: 'tag',
          context: 'kustomize',
          node: newTag,
          text: scalarText(newTag) ?? '',
          repository,
          digestNode: mapScalar(map, 'digest', doc),
        });
      }
    }
  }

  // A marker says what a scalar is, over what its position suggested.
  for (const node of marked) {
    const marker = markerOf(node);
    const text = scalarText(node);
    if (marker === undefined || text === undefined) continue;
    const tagOnly = marker.endsWith(':tag');
    const previous = found.get(node);
    found.set(node, {
      form: tagOnly ? 'tag' : 'reference',
      context: 'marker',
      node,
      text,
      repository: tagOnly ? previous?.repository : undefined,
      markerImage: tagOnly ? marker.slice(0, -':tag'.length) : marker,
      digestNode: previous?.digestNode,
    });
  }

  return [...found.values()].sort((a, b) => (a.node.range?.[0] ?? 0) - (b.node.range?.[0] ?? 0));
}
