import { isMap, isSeq, type Document, type YAMLMap } from 'yaml';
import { mapScalar, resolveNode } from '../yamlNodes.js';
import { tagText } from './imageKeys.js';
import type { ReferenceShape } from './types.js';
import { KUSTOMIZATION_FILE } from '../fileNames.js';

/**
 * Where a document keeps kustomize `images:` entries: a kustomization (or Component) at the top,
 * a Flux `kustomize.toolkit.fluxcd.io` Kustomization under `spec`.
 */
function imagesHolder(doc: Document, fileName: string): YAMLMap | undefined {
  const contents = doc.contents;
  if (!isMap(contents)) return undefined;
  const kind = contents.get('kind');
  const apiVersion = contents.get('apiVersion');
  if (typeof apiVersion === 'string' && apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) {
    const spec = resolveNode(contents.get('spec', true), doc);
    return kind === 'Kustomization' && isMap(spec) ? spec : undefined;
  }
  return kind === 'Kustomization' || kind === 'Component' || KUSTOMIZATION_FILE.test(fileName) ? contents : undefined;
}

/**
 * kustomize `images:` entries: `newTag` for `newName` or `name`, with `digest` and `tagSuffix`
 * beside it. An entry with a digest or a tag suffix but no `newTag` is recorded as a missing tag.
 */
export const kustomizeImages: ReferenceShape = {
  context: 'kustomize',
  keywords: ['images'],
  inDocument({ doc, fileName, add }) {
    const holder = imagesHolder(doc, fileName);
    const images = holder && resolveNode(holder.get('images', true), doc);
    if (!isSeq(images)) return;
    for (const entry of images.items) {
      const map = resolveNode(entry, doc);
      if (!isMap(map)) continue;
      const repositoryNode = mapScalar(map, 'newName', doc) ?? mapScalar(map, 'name', doc);
      if (repositoryNode === undefined || typeof repositoryNode.value !== 'string') continue;
      const newTag = mapScalar(map, 'newTag', doc);
      const digestNode = mapScalar(map, 'digest', doc);
      const suffix = mapScalar(map, 'tagSuffix', doc);
      if (newTag === undefined && digestNode === undefined && suffix === undefined) continue; // a rename only
      add({
        form: 'tag',
        context: 'kustomize',
        node: newTag ?? repositoryNode,
        text: newTag === undefined ? repositoryNode.value : tagText(newTag),
        repository: repositoryNode.value,
        repositoryNode,
        missingTag: newTag === undefined ? 'newTag' : undefined,
        tagSuffix: suffix === undefined ? undefined : tagText(suffix),
        digestNode,
      });
    }
  },
};
