import { isMap, isScalar, isSeq, type Document, type Scalar, type YAMLMap } from 'yaml';
import { parseImageReference } from '../reference.js';
import { mapScalar, resolveNode } from '../yamlNodes.js';
import { SIBLING_TAG_KEYS, tagText } from './imageKeys.js';
import type { ReferenceShape, ShapeContext } from './types.js';

/** The `spec.source` and `spec.sources[]` of an Argo CD Application (or an ApplicationSet's template). */
function helmSources(doc: Document): YAMLMap[] {
  const contents = doc.contents;
  if (!isMap(contents)) return [];
  const apiVersion = contents.get('apiVersion');
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith('argoproj.io/')) return [];
  let spec = resolveNode(contents.get('spec', true), doc);
  if (contents.get('kind') === 'ApplicationSet' && isMap(spec)) {
    const template = resolveNode(spec.get('template', true), doc);
    spec = isMap(template) ? resolveNode(template.get('spec', true), doc) : undefined;
  }
  if (!isMap(spec)) return [];
  const sources = resolveNode(spec.get('sources', true), doc);
  const all = [resolveNode(spec.get('source', true), doc), ...(isSeq(sources) ? sources.items : [])];
  return all.flatMap((source) => {
    const helm = isMap(source) ? resolveNode(source.get('helm', true), doc) : undefined;
    return isMap(helm) ? [helm] : [];
  });
}

/** A dotted Helm value path in a map (`image.repository` in `valuesObject`). */
function valueAt(map: unknown, path: readonly string[], doc: Document): Scalar | undefined {
  let node = map;
  for (const [index, key] of path.entries()) {
    if (!isMap(node)) return undefined;
    if (index === path.length - 1) return mapScalar(node, key, doc);
    node = resolveNode(node.get(key, true), doc);
  }
  return undefined;
}

/**
 * `parameters: [{name: image.tag, value: …}]`: a tag parameter is read with the repository that
 * the parameters (`image.repository`, `image.registry`) or the `valuesObject` give beside it;
 * an `image` parameter holding a whole reference is one.
 */
function addParameters(helm: YAMLMap, { doc, add, found }: ShapeContext): void {
  const parameters = resolveNode(helm.get('parameters', true), doc);
  if (!isSeq(parameters)) return;
  const values = new Map<string, Scalar>();
  for (const item of parameters.items) {
    const entry = resolveNode(item, doc);
    const name = isMap(entry) ? mapScalar(entry, 'name', doc)?.value : undefined;
    const value = isMap(entry) ? mapScalar(entry, 'value', doc) : undefined;
    if (typeof name === 'string' && value !== undefined) values.set(name, value);
  }
  const valuesObject = resolveNode(helm.get('valuesObject', true), doc);
  for (const [name, node] of values) {
    const path = name.split('.');
    const key = path.at(-1)!;
    const prefix = path.slice(0, -1);
    const lookup = (last: string) =>
      values.get([...prefix, last].join('.')) ?? valueAt(valuesObject, [...prefix, last], doc);
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
    for (const helm of helmSources(context.doc)) {
      const values = resolveNode(helm.get('values', true), context.doc);
      if (isScalar(values)) for (const occurrence of context.locateEmbedded(values)) context.add(occurrence);
      addParameters(helm, context);
    }
  },
};
