import { isMap, isSeq, type YAMLMap } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import { KUSTOMIZATION_FILE } from '../fileNames.js';
import { tagText } from './imageKeys.js';
import { entryOrder, hiddenEntries, setIn } from './kustomizeOrder.js';
import type { ReferenceShape } from './types.js';

/**
 * Where a document keeps kustomize `images:` entries: a kustomization (or Component) at the top,
 * a Flux `kustomize.toolkit.fluxcd.io` Kustomization under `spec`.
 */
export function kustomizeHolder(reader: DocumentReader, fileName: string): YAMLMap | undefined {
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

/**
 * kustomize `images:` entries, read as kustomize's image transformer applies them: `newTag`
 * sets the tag of `newName` (or `name`), `digest` replaces tag and digest. Without either, the
 * entry sets no tag: the base's reference is the one judged. Such an entry with `newName` or
 * `tagSuffix` is recorded as a rename (`renames`, to itself without `newName`), which ties the
 * base's references to the new name and carries the suffix kustomize appends to their tags
 * (`kubectl kustomize` renders `app:<tag>-debug`): `tagSuffix` counts only without `newTag` or
 * `digest`. An entry with a digest and no `newTag` deploys no tag: recorded as a missing tag.
 */
export const kustomizeImages: ReferenceShape = {
  context: 'kustomize',
  keywords: ['images'],
  inDocument({ reader, fileName, add }) {
    const holder = kustomizeHolder(reader, fileName);
    const images = holder && reader.value(holder, 'images');
    if (!isSeq(images)) return;
    const hidden = hiddenEntries(reader, images.items);
    const order = entryOrder(reader, images.items);
    for (const entry of images.items) {
      if (hidden.has(entry)) continue;
      const map = reader.resolve(entry);
      if (!isMap(map)) continue;
      const name = reader.scalar(map, 'name');
      const repositoryNode = reader.scalar(map, 'newName') ?? name;
      if (repositoryNode === undefined || typeof repositoryNode.value !== 'string') continue;
      // kustomize applies a newTag only when it is not empty: `newTag: ""` leaves the base's tag.
      const written = reader.scalar(map, 'newTag');
      const newTag = written === undefined || written.value === '' || written.value === null ? undefined : written;
      const digestNode = setIn(reader, map, 'digest');
      if (newTag === undefined && digestNode === undefined) {
        // The base's tag stays, with the suffix appended; with a new name, the base's references deploy under it.
        const newName = setIn(reader, map, 'newName');
        const suffix = setIn(reader, map, 'tagSuffix');
        if (typeof name?.value !== 'string') continue;
        const renamed = newName !== undefined && newName.value !== name.value;
        if (!renamed && suffix === undefined) continue;
        const node = renamed ? newName : name;
        add({
          form: 'tag',
          context: 'kustomize',
          node,
          text: '',
          repository: String(node.value),
          repositoryNode: node,
          // Without a new name, the suffix reaches what `name` matches, as a pattern.
          namePattern: renamed ? undefined : name.value,
          renames: name.value,
          // A later entry may retag what it leaves: then the base's tag is not deployed (engine/renames.ts).
          order: order.get(entry),
          tagSuffix: suffix === undefined ? undefined : String(suffix.value),
          related: [name, ...(suffix === undefined ? [] : [suffix])],
        });
        continue;
      }
      // Without newName the entry deploys under `name`, which kustomize matches as a Go regular
      // expression, case and all (`Registry.example/app` is not `registry.example/app`).
      const namePattern = repositoryNode === name ? repositoryNode.value : undefined;
      add({
        form: 'tag',
        context: 'kustomize',
        node: newTag ?? repositoryNode,
        namePattern,
        order: namePattern === undefined ? undefined : order.get(entry),
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
