import { isMap, isScalar, isSeq, type Document, type Scalar, type YAMLMap } from 'yaml';
import { mapScalar, resolveNode, scalarText } from './yamlNodes.js';

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

/** What a shape sees of the document being searched. */
export interface ShapeContext {
  doc: Document;
  fileName: string;
  /** Occurrences found so far, by scalar: a shape may refine one another shape found. */
  found: Map<Scalar, Occurrence>;
  /** Records an occurrence unless its scalar was found already. */
  add(occurrence: Occurrence): void;
}

/**
 * One way a manifest holds an image reference. Each shape names the words without which a file
 * cannot hold it (the scan parses no file that has none of them) and finds its occurrences: in
 * every map of the document (`inMap`), once per document (`inDocument`), or among the scalars
 * that carry a trailing comment (`commented`, after the others, so it may override them).
 */
export interface ReferenceShape {
  context: OccurrenceContext;
  keywords: readonly string[];
  inMap?(map: YAMLMap, context: ShapeContext): void;
  inDocument?(context: ShapeContext): void;
  commented?(nodes: readonly Scalar[], context: ShapeContext): void;
}

/** `image: repo:tag` at any depth: containers of every workload kind, Tekton steps, Helm strings. */
const imageKey: ReferenceShape = {
  context: 'image-key',
  keywords: ['image'],
  inMap(map, { doc, add }) {
    for (const pair of map.items) {
      if (!isScalar(pair.key) || pair.key.value !== 'image') continue;
      const value = resolveNode(pair.value, doc);
      if (isScalar(value) && typeof value.value === 'string') {
        add({ form: 'reference', context: 'image-key', node: value, text: value.value });
      }
    }
  },
};

/** Helm values' `{registry?, repository, tag, digest?}` maps, also through `<<` merge keys. */
const helmMap: ReferenceShape = {
  context: 'helm-map',
  keywords: ['repository'],
  inMap(map, { doc, add }) {
    const tag = mapScalar(map, 'tag', doc);
    if (tag === undefined) return;
    const repository = mapScalar(map, 'repository', doc);
    if (repository === undefined || typeof repository.value !== 'string') return;
    const registry = mapScalar(map, 'registry', doc);
    const registryText = typeof registry?.value === 'string' ? registry.value : '';
    add({
      form: 'tag',
      context: 'helm-map',
      node: tag,
      text: scalarText(tag) ?? '',
      repository: registryText ? `${registryText}/${repository.value}` : repository.value,
      digestNode: mapScalar(map, 'digest', doc),
    });
  },
};

function isKustomization(doc: Document, fileName: string): boolean {
  const contents = doc.contents;
  if (!isMap(contents)) return false;
  const kind = contents.get('kind');
  return kind === 'Kustomization' || kind === 'Component' || /(^|\/)kustomization\.ya?ml$/i.test(fileName);
}

/** A kustomization's (or Component's) `images:` entries: `newTag` for `newName` or `name`. */
const kustomizeImages: ReferenceShape = {
  context: 'kustomize',
  keywords: ['newTag'],
  inDocument({ doc, fileName, add }) {
    if (!isKustomization(doc, fileName) || !isMap(doc.contents)) return;
    const images = resolveNode(doc.contents.get('images', true), doc);
    if (!isSeq(images)) return;
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
  },
};

const MARKER = /^\s*\{\s*"\$nixtag"\s*:\s*"([^"]+)"\s*\}\s*$/;

/**
 * Any scalar marked by a trailing comment in the style of Flux's image-automation setters:
 * `# {"$nixtag": "NAME"}` on a whole reference, `# {"$nixtag": "NAME:tag"}` on a tag. A marker
 * says what a scalar is, over what its position suggested.
 */
const marker: ReferenceShape = {
  context: 'marker',
  keywords: ['$nixtag'],
  commented(nodes, { found }) {
    for (const node of nodes) {
      const name = node.comment ? MARKER.exec(node.comment)?.[1] : undefined;
      const text = scalarText(node);
      if (name === undefined || text === undefined) continue;
      const tagOnly = name.endsWith(':tag');
      const previous = found.get(node);
      found.set(node, {
        form: tagOnly ? 'tag' : 'reference',
        context: 'marker',
        node,
        text,
        repository: tagOnly ? previous?.repository : undefined,
        markerImage: tagOnly ? name.slice(0, -':tag'.length) : name,
        digestNode: previous?.digestNode,
      });
    }
  },
};

/** Every shape nixtag manages; the prefilter and the locator both read this list. */
export const REFERENCE_SHAPES: readonly ReferenceShape[] = [imageKey, helmMap, kustomizeImages, marker];

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Words without which a file cannot hold a reference: such files are not parsed at all. */
export const MAY_HOLD_REFERENCE = new RegExp(
  REFERENCE_SHAPES.flatMap((shape) => shape.keywords)
    .map(escape)
    .join('|'),
);
