import { isMap, type Scalar, type YAMLMap } from 'yaml';
import { parseImageReference } from '../reference.js';
import { scalarText } from '../yamlNodes.js';
import type { ReferenceShape, ShapeContext } from './types.js';

/**
 * Keys that hold the tag of a tagless repository written beside them, in the order charts use
 * them: Helm's `{repository, tag}`, elastic's `image` + `imageTag`, `version`-style pairs.
 */
export const SIBLING_TAG_KEYS: Readonly<Record<'image' | 'repository', readonly string[]>> = {
  image: ['imageTag', 'tag', 'imageVersion', 'version'],
  repository: ['tag', 'imageTag', 'version'],
};

/** A tag scalar's text; an empty (null) value is an empty tag. */
export function tagText(node: Scalar): string {
  return node.value === null ? '' : (scalarText(node) ?? '');
}

/**
 * Maps that describe an image: under a key that says so (`image:`, `sidecarImage:`), or holding
 * what only image maps hold. A `repository` elsewhere (a GitHub Actions `with:`) is not one.
 */
const imageMaps = new WeakSet<YAMLMap>();
const IMAGE_MAP_KEYS = ['registry', 'pullPolicy', 'digest'];

function isImageMap(map: YAMLMap, context: ShapeContext): boolean {
  return imageMaps.has(map) || IMAGE_MAP_KEYS.some((key) => context.reader.scalar(map, key) !== undefined);
}

function isTagless(text: string): boolean {
  const parsed = parseImageReference(text);
  return parsed !== undefined && parsed.tag === undefined && parsed.digest === undefined;
}

/**
 * `image`/`repository` with the tag in a sibling key: the sibling is the occurrence (the tag is
 * rewritten there, never appended to the repository). A `repository` with no tag at all is
 * recorded too, with the key that would hold it, so that a missing tag is never missed.
 */
function addSibling(map: YAMLMap, key: 'image' | 'repository', repositoryNode: Scalar, context: ShapeContext): boolean {
  const { reader, add } = context;
  const tagKey = SIBLING_TAG_KEYS[key].find((candidate) => reader.scalar(map, candidate) !== undefined);
  const tag = tagKey === undefined ? undefined : reader.scalar(map, tagKey);
  if (tag === undefined && (key === 'image' || !isImageMap(map, context))) return false;
  const registry = reader.scalar(map, 'registry');
  const registryText = typeof registry?.value === 'string' ? registry.value.replace(/\/+$/, '') : '';
  const repository = String(repositoryNode.value);
  add({
    form: 'tag',
    context: 'sibling-tag',
    node: tag ?? repositoryNode,
    text: tag === undefined ? repository : tagText(tag),
    repository: registryText ? `${registryText}/${repository}` : repository,
    repositoryNode,
    missingTag: tag === undefined ? 'tag' : undefined,
    digestNode: reader.scalar(map, 'digest'),
    related: registry === undefined ? undefined : [registry],
  });
  return true;
}

/**
 * `image: repo:tag` at any depth (containers of every workload kind, Tekton steps, Helm strings),
 * and tags kept beside a tagless `image` or `repository` (Helm's `{registry?, repository, tag,
 * digest?}` maps, also through `<<` merge keys; `image` + `imageTag`).
 */
export const imageKeys: ReferenceShape = {
  context: 'image-key',
  keywords: ['image', 'repository'],
  inMap(map, context) {
    const { reader, add } = context;
    for (const pair of map.items) {
      const value = reader.resolve(pair.value);
      if (/image/i.test(reader.keyOf(pair) ?? '') && isMap(value)) imageMaps.add(value);
    }
    const image = reader.scalar(map, 'image');
    const hasImage = image !== undefined && typeof image.value === 'string';
    if (hasImage && !(isTagless(image.value as string) && addSibling(map, 'image', image, context))) {
      add({ form: 'reference', context: 'image-key', node: image, text: image.value as string });
    }
    const repository = reader.scalar(map, 'repository');
    if (repository === undefined || typeof repository.value !== 'string') return;
    // `image: repo:tag` beside a `repository` key: the image string is the reference.
    if (hasImage && !isTagless(image.value as string)) return;
    addSibling(map, 'repository', repository, context);
  },
};
