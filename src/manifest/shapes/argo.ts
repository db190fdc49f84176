import { isMap, isNode, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import { parseImageReference } from '../reference.js';
import { SIBLING_TAG_KEYS, tagText } from './imageKeys.js';
import type { ReferenceShape, ShapeContext } from './types.js';

/** The `spec.source` and `spec.sources[]` of an Argo CD Application (or an ApplicationSet's template). */
function sources(reader: DocumentReader): YAMLMap[] {
  const contents = reader.doc.contents;
  if (!isMap(contents)) return [];
  const apiVersion = reader.scalar(contents, 'apiVersion')?.value;
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith('argoproj.io/')) return [];
  let spec = reader.value(contents, 'spec');
  if (reader.scalar(contents, 'kind')?.value === 'ApplicationSet') spec = reader.at(spec, ['template', 'spec']);
  if (!isMap(spec)) return [];
  const sources = reader.value(spec, 'sources');
  const all = [
    reader.value(spec, 'source'),
    ...(isSeq(sources) ? sources.items.map((item) => reader.resolve(item)) : []),
  ];
  return all.filter((source) => isMap(source));
}

/** The sources of an Argo CD Application (or an ApplicationSet's template) with a `helm` map, and that map. */
export function argoSources(reader: DocumentReader): Array<{ source: YAMLMap; helm: YAMLMap }> {
  return sources(reader).flatMap((source) => {
    const helm = reader.value(source, 'helm');
    return isMap(helm) ? [{ source, helm }] : [];
  });
}

/**
 * The `kustomize.patches` of an Argo CD Application's sources (or an ApplicationSet's template):
 * Argo CD applies them to the source's kustomization as its own `patches`
 * (https://argo-cd.readthedocs.io/en/stable/user-guide/kustomize/#patches).
 */
export function argoKustomizePatches(reader: DocumentReader): Node[] {
  return under(reader, sources(reader), 'kustomize').flatMap((kustomize) => {
    const pair = kustomize.items.find((item) => reader.keyOf(item) === 'patches');
    return isNode(pair?.value) ? [pair.value] : [];
  });
}

/** A source's (or the parameter override file's) map under `key`: `helm`, `kustomize`. */
function under(reader: DocumentReader, maps: readonly YAMLMap[], key: string): YAMLMap[] {
  return maps.flatMap((map) => {
    const value = reader.value(map, key);
    return isMap(value) ? [value] : [];
  });
}

/** Argo CD's parameter override file in an app's path (Argo CD Image Updater's write-back). */
const OVERRIDE_FILE = /(?:^|\/)\.argocd-source(?:-[^/]*)?\.ya?ml$/;

/** A dotted Helm value path in a map (`image.repository` in `valuesObject`). */
function valueAt(reader: DocumentReader, map: unknown, path: readonly string[]): Scalar | undefined {
  const node = reader.at(map, path);
  return isScalar(node) ? node : undefined;
}

/**
 * `parameters: [{name: image.tag, value: …}]`: a tag parameter is read with the repository that
 * the parameters (`image.repository`, `image.registry`) or the `valuesObject` give beside it;
 * an `image` parameter holding a whole reference is one.
 */
function addParameters(helm: YAMLMap, { reader, add, found }: ShapeContext): void {
  const parameters = reader.value(helm, 'parameters');
  if (!isSeq(parameters)) return;
  const values = new Map<string, Scalar>();
  for (const item of parameters.items) {
    const entry = reader.resolve(item);
    const name = isMap(entry) ? reader.scalar(entry, 'name')?.value : undefined;
    const value = isMap(entry) ? reader.scalar(entry, 'value') : undefined;
    if (typeof name === 'string' && value !== undefined) values.set(name, value);
  }
  const valuesObject = reader.value(helm, 'valuesObject');
  for (const [name, node] of values) {
    const path = name.split('.');
    const key = path.at(-1)!;
    const prefix = path.slice(0, -1);
    const lookup = (last: string) =>
      values.get([...prefix, last].join('.')) ?? valueAt(reader, valuesObject, [...prefix, last]);
    if (key === 'image' && typeof node.value === 'string' && parseImageReference(node.value)?.tag !== undefined) {
      add({ form: 'reference', context: 'helm-parameter', node, text: node.value });
      continue;
    }
    if (!SIBLING_TAG_KEYS.repository.includes(key) && !SIBLING_TAG_KEYS.image.includes(key)) continue;
    const repositoryNode = lookup('repository') ?? lookup('image');
    const registry = lookup('registry');
    const repository = typeof repositoryNode?.value === 'string' ? repositoryNode.value : undefined;
    const registryText = typeof registry?.value === 'string' ? registry.value.replace(/\/+$/, '') : '';
    add({
      form: 'tag',
      context: 'helm-parameter',
      node,
      text: tagText(node),
      repository: repository && registryText ? `${registryText}/${repository}` : repository,
      repositoryNode,
      related: registry === undefined ? undefined : [registry],
    });
    // The parameter gives the tag a `valuesObject` repository lacks: that one is not missing it.
    if (repositoryNode !== undefined && found.get(repositoryNode)?.missingTag !== undefined)
      found.delete(repositoryNode);
  }
}

/**
 * Argo CD kustomize image overrides, `kustomize.images: ["[<name>=]<image>:<tag>"]` of an
 * Application's source or of a `.argocd-source[-<app>].yaml` file: Argo runs `kustomize edit set
 * image` with each before it builds, so the image after `=` (or the whole string) is deployed at
 * that tag, as a kustomization's `images:` entry would deploy it. Read as a whole reference,
 * rewritten in place.
 */
export const argoKustomizeImages: ReferenceShape = {
  context: 'helm-parameter',
  keywords: ['argoproj.io', 'images'],
  inDocument(context) {
    const { reader, fileName } = context;
    const contents = reader.doc.contents;
    const holders = OVERRIDE_FILE.test(fileName) && isMap(contents) ? [contents] : sources(reader);
    for (const kustomize of under(reader, holders, 'kustomize')) {
      const images = reader.value(kustomize, 'images');
      if (!isSeq(images)) continue;
      for (const item of images.items) {
        const node = reader.resolve(item);
        if (!isScalar(node) || typeof node.value !== 'string') continue;
        const text = node.value.slice(node.value.indexOf('=') + 1);
        const parsed = parseImageReference(text);
        if (parsed?.tag === undefined && parsed?.digest === undefined) continue;
        context.add({ form: 'reference', context: 'helm-parameter', node, text });
      }
    }
  },
};

/**
 * Argo CD Application Helm sources. `valuesObject` is a map, searched like any other; `values`
 * written as a block string of YAML is searched inside, and rewritten in place; `parameters`
 * pair a tag with its repository by name.
 */
export const argoHelmSources: ReferenceShape = {
  context: 'helm-parameter',
  keywords: ['argoproj.io'],
  inDocument(context) {
    for (const helm of under(context.reader, sources(context.reader), 'helm')) {
      const values = context.reader.value(helm, 'values');
      if (isScalar(values)) for (const occurrence of context.locateEmbedded(values)) context.add(occurrence);
      addParameters(helm, context);
    }
  },
};
