import { isMap, isScalar, isSeq, type Scalar, type YAMLMap } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import { parseImageReference } from '../reference.js';
import { SIBLING_TAG_KEYS, tagText } from './imageKeys.js';
import type { ReferenceShape, ShapeContext } from './types.js';

/** The `spec.source` and `spec.sources[]` of an Argo CD Application (or an ApplicationSet's template) with a `helm` map. */
export function argoSources(reader: DocumentReader): Array<{ source: YAMLMap; helm: YAMLMap }> {
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
  return all.flatMap((source) => {
    const helm = isMap(source) ? reader.value(source, 'helm') : undefined;
    return isMap(source) && isMap(helm) ? [{ source, helm }] : [];
  });
}

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
 * Argo CD Application Helm sources. `valuesObject` is a map, searched like any other; `values`
 * written as a block string of YAML is searched inside, and rewritten in place; `parameters`
 * pair a tag with its repository by name.
 */
export const argoHelmSources: ReferenceShape = {
  context: 'helm-parameter',
  keywords: ['argoproj.io'],
  inDocument(context) {
    for (const { helm } of argoSources(context.reader)) {
      const values = context.reader.value(helm, 'values');
      if (isScalar(values)) for (const occurrence of context.locateEmbedded(values)) context.add(occurrence);
      addParameters(helm, context);
    }
  },
};
