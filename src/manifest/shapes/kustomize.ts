import { isMap, isSeq, type YAMLMap } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import { KUSTOMIZATION_FILE } from '../fileNames.js';
import { parseImageReference } from '../reference.js';
import { tagText } from './imageKeys.js';
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

/** A key kustomize takes as set: written with a value (an empty or null one counts as absent). */
function setIn(reader: DocumentReader, map: YAMLMap, key: string) {
  const node = reader.scalar(map, key);
  return node !== undefined && node.value !== null && node.value !== '' ? node : undefined;
}

/**
 * A name kustomize's image transformer matches as the repository it spells: a tagless reference
 * with no character a regular expression reads otherwise (kustomize compiles `^<name>` and a tag
 * or digest suffix; a `.` in a host matches itself too). `app:v1`, `registry/.*` are patterns.
 */
function isPlainName(name: string): boolean {
  const parsed = parseImageReference(name);
  if (parsed === undefined || parsed.tag !== undefined || parsed.digest !== undefined) return false;
  return !/[\\^$*+?()[\]{}|]/.test(name);
}

/**
 * What kustomize's image transformer lets follow an entry's `name` (a regular expression): an
 * image matches `^<name>(:<tag>)?(@sha256:<digest>)?$`, tag and digest of these characters.
 */
const AFTER_NAME = '(?::[a-zA-Z0-9_.{}-]*)?(?:@sha256:[a-zA-Z0-9_.{}-]*)?';

/** The images an entry's `name` matches, as kustomize matches them; undefined where it is no regular expression. */
export function kustomizeNameMatcher(name: string): RegExp | undefined {
  try {
    return new RegExp(`^${name}${AFTER_NAME}$`);
  } catch {
    return undefined; // kustomize's Go regexp fails on it too, and matches nothing
  }
}

/**
 * Whether what the entry sets still matches its own name for the entries after it: a tag with
 * `+`, `@` or a space, or another digest, leaves the image out of every later entry's reach.
 */
function keepsMatching(reader: DocumentReader, map: YAMLMap): boolean {
  const tag = setIn(reader, map, 'newTag')?.value;
  const digest = setIn(reader, map, 'digest')?.value;
  const suffix = `${tag === undefined ? '' : `:${String(tag)}`}${digest === undefined ? '' : `@${String(digest)}`}`;
  return new RegExp(`^${AFTER_NAME}$`).test(suffix);
}

/**
 * The entries a later one hides: kustomize applies the entries in order, each to the images its
 * `name` matches, so where a later entry of the same `name` sets the tag again (`newTag` or
 * `digest`), an earlier one that keeps the name (and a tag the later name still matches) deploys
 * nothing of its own. One that renames the
 * image (`newName`) is not hidden: the later entry no longer matches what it renamed.
 */
function hiddenEntries(reader: DocumentReader, entries: readonly unknown[]): Set<unknown> {
  const hidden = new Set<unknown>();
  const retagged = new Set<unknown>(); // names a later entry sets the tag of
  for (const entry of [...entries].reverse()) {
    const map = reader.resolve(entry);
    if (!isMap(map)) continue;
    const name = reader.scalar(map, 'name')?.value;
    const newName = setIn(reader, map, 'newName')?.value;
    if (typeof name !== 'string' || (newName !== undefined && newName !== name)) continue;
    if (retagged.has(name) && keepsMatching(reader, map)) hidden.add(entry);
    if (setIn(reader, map, 'newTag') !== undefined || setIn(reader, map, 'digest') !== undefined) retagged.add(name);
  }
  return hidden;
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
          renames: name.value,
          tagSuffix: suffix === undefined ? undefined : String(suffix.value),
          related: [name, ...(suffix === undefined ? [] : [suffix])],
        });
        continue;
      }
      // Without newName the entry deploys under `name`, which kustomize matches as a pattern.
      const plain = repositoryNode !== name || isPlainName(repositoryNode.value);
      add({
        form: 'tag',
        context: 'kustomize',
        node: newTag ?? repositoryNode,
        namePattern: plain ? undefined : repositoryNode.value,
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
