import { isMap, isSeq, type YAMLMap } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import { KUSTOMIZATION_FILE } from '../fileNames.js';
import { tagText } from './imageKeys.js';
import type { ReferenceShape } from './types.js';

/**
 * Where a document keeps kustomize `images:` entries: a kustomization (or Component) at the top,
 * a Flux `kustomize.toolkit.fluxcd.io` Kustomization under `spec`.
 */
function imagesHolder(reader: DocumentReader, fileName: string): YAMLMap | undefined {
  const contents = reader.doc.contents;
  if (!isMap(contents)) return undefined;
  const kind = reader.scalar(contents, 'kind')?.value;
  const apiVersion = reader.scalar(contents, 'apiVersion')?.value;
  if (typeof apiVersion === 'string' && apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) {
    const spec = reader.value(contents, 'spec');
    return kind === 'Kustomization' && isMap(spec) ? spec : undefined;
  }
  return kind === 'Kustomization' || kind === 'Component' || KUSTOMIZATION_FILE.test(fileName) ? contents : undefined;
}

/** A key kustomize takes as set: written with a value (an empty or null one counts as absent). */
function setIn(reader: DocumentReader, map: YAMLMap, key: string) {
  const node = reader.scalar(map, key);
  return node !== undefined && node.value !== null && node.value !== '' ? node : undefined;
}

/**
 * kustomize `images:` entries, read as kustomize's image transformer applies them: `newTag`
 * sets the tag of `newName` (or `name`), `digest` replaces tag and digest; `tagSuffix` counts
 * only without either, and then, like an entry with only `newName`, leaves the base's tag in
 * place: such an entry sets no tag, and the base's reference is the one judged (an entry with
 * `newName` is recorded as a rename, `renames`, which ties the base's references to the new
 * name). An entry with a digest and no `newTag` deploys no tag: recorded as a missing tag.
 */
export const kustomizeImages: ReferenceShape = {
  context: 'kustomize',
  keywords: ['images'],
  inDocument({ reader, fileName, add }) {
    const holder = imagesHolder(reader, fileName);
    const images = holder && reader.value(holder, 'images');
    if (!isSeq(images)) return;
    for (const entry of images.items) {
      const map = reader.resolve(entry);
      if (!isMap(map)) continue;
      const name = reader.scalar(map, 'name');
      const repositoryNode = reader.scalar(map, 'newName') ?? name;
      if (repositoryNode === undefined || typeof repositoryNode.value !== 'string') continue;
      const newTag = reader.scalar(map, 'newTag');
      const digestNode = setIn(reader, map, 'digest');
      if (newTag === undefined && digestNode === undefined) {
        // The base's tag stays; with a new name, the base's references deploy under it.
        const newName = setIn(reader, map, 'newName');
        if (newName === undefined || typeof name?.value !== 'string' || newName.value === name.value) continue;
        add({
          form: 'tag',
          context: 'kustomize',
          node: newName,
          text: '',
          repository: String(newName.value),
          repositoryNode: newName,
          renames: name.value,
          related: [name],
        });
        continue;
      }
      add({
        form: 'tag',
        context: 'kustomize',
        node: newTag ?? repositoryNode,
        text: newTag === undefined ? repositoryNode.value : tagText(newTag),
        repository: repositoryNode.value,
        repositoryNode,
        missingTag: newTag === undefined ? 'newTag' : undefined,
        digestNode,
        related: name === undefined ? undefined : [name],
      });
    }
  },
};
