import { isMap, isScalar, isSeq, parseDocument, type Document, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { DocumentReader, DuplicateKeyError, type Slot } from './documentReader.js';
import { embeddedBlock } from './embedded.js';
import { decodeBinaryScalars } from './yamlNodes.js';
import { MarkerMismatchError, REFERENCE_SHAPES, type Occurrence, type ShapeContext } from './shapes.js';

export type { Occurrence, OccurrenceContext, OccurrenceForm } from './shapes.js';

/** Refused beyond this depth: real manifests nest a few dozen levels. */
const MAX_DEPTH = 256;

export class NestingTooDeepError extends Error {}

/** A duplicated key on the way to a reference, with where its two keys start in the manifest. */
export class AmbiguousKeyError extends Error {
  constructor(
    readonly key: string,
    public first: number | undefined,
    public second: number | undefined,
    /** `second` is a `<<` written after the key, whose sources give it another value. */
    readonly mergedOver = false,
  ) {
    super(mergedOver ? `key ${key} is merged over` : `key ${key} is written twice`);
  }
}

const startOfNode = (node: unknown) => (node as { range?: [number, number, number] } | null)?.range?.[0];

/** Two occurrences of one scalar read the same reference (only then is the second one no news). */
function sameReading(a: Occurrence, b: Occurrence): boolean {
  return (
    a.form === b.form && a.repository === b.repository && a.missingTag === b.missingTag && a.digestNode === b.digestNode
  );
}

/** Where a place a reader sees a value starts: its key, or the `<<` that merges it in, or the list item. */
function slotStart(reader: DocumentReader, slot: Slot): number | undefined {
  const { holder, key } = slot;
  if (slot.at !== undefined) return slot.at;
  if (isSeq(holder)) return startOfNode(holder.items[key as number]);
  const pair =
    holder.items.find((item) => !reader.isMerge(item) && reader.keyOf(item) === key) ??
    holder.items.find((item) => reader.isMerge(item));
  return startOfNode(pair?.key);
}

/**
 * Finds every scalar of one YAML document that holds an image reference or tag, in one walk that
 * hands every map to each shape of REFERENCE_SHAPES, then the document, then the commented
 * scalars. The document is read as its readers resolve it (documentReader.ts): alias keys and
 * merge keys resolve; a key written twice on the way to a reference is refused
 * (AmbiguousKeyError), since readers disagree on which counts. A scalar an alias shows in several
 * places is one occurrence per distinct reading, marked `shared` where a rewrite would change a
 * place read otherwise. `text` is the source the document was parsed from; block strings of YAML
 * in it (Argo CD's `values: |`) are searched too when `embedded` is allowed.
 */
export function locateOccurrences(doc: Document, fileName: string, text: string, embedded = true): Occurrence[] {
  const reader = new DocumentReader(doc);
  const found = new Map<Scalar, Occurrence>();
  const others: Occurrence[] = [];
  // Duplicated keys whose values held a reference: readers disagree on whether it is there.
  const ambiguous: DuplicateKeyError[] = [];
  let under: DuplicateKeyError | undefined;
  const context: ShapeContext = {
    reader,
    fileName,
    found,
    add: (occurrence) => {
      if (under !== undefined) ambiguous.push(under);
      const known = found.get(occurrence.node);
      if (known === undefined) found.set(occurrence.node, occurrence);
      else if (!sameReading(known, occurrence) && !others.some((other) => sameReading(other, occurrence)))
        others.push(occurrence);
    },
    locateEmbedded: (node) => (embedded ? locateInBlock(text, node, fileName) : []),
  };

  // The walk collects first: whether duplicated keys count depends on what the document is.
  const maps: Array<{ map: YAMLMap; under: DuplicateKeyError | undefined }> = [];
  const commented: Array<{ node: Scalar; under: DuplicateKeyError | undefined }> = [];
  let duplicates = false;
  const walk = (node: unknown, depth: number, slot: Slot | undefined, within: DuplicateKeyError | undefined): void => {
    if (depth > MAX_DEPTH) throw new NestingTooDeepError();
    if (isScalar(node)) {
      if (node.comment) {
        commented.push({ node, under: within });
        if (slot !== undefined) reader.noteRead(node, slot);
      }
      return;
    }
    if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, depth + 1, { holder: node, key: index }, within));
      return;
    }
    if (!isMap(node)) return;
    maps.push({ map: node, under: within });
    const duplicated = duplicatedPairs(reader, node);
    if (duplicated.size > 0) duplicates = true;
    for (const pair of node.items) {
      const key = reader.keyOf(pair);
      const slotHere = key === undefined ? undefined : { holder: node, key };
      walk(pair.value, depth + 1, slotHere, within ?? duplicated.get(pair));
    }
  };
  walk(doc.contents, 0, undefined, undefined);
  const lastCounts = readersTakeTheLast(reader);
  // Where the last of a duplicated key counts, what it hides is read by nobody.
  const live = lastCounts && duplicates ? liveNodes(reader) : undefined;
  for (const entry of maps) {
    if (live !== undefined && !live.has(entry.map)) continue;
    under = lastCounts ? undefined : entry.under;
    for (const shape of REFERENCE_SHAPES) shape.inMap?.(entry.map, context);
  }
  under = undefined;
  for (const shape of REFERENCE_SHAPES) shape.inDocument?.(context);
  const visible = commented.filter((entry) => live === undefined || live.has(entry.node));
  for (const shape of REFERENCE_SHAPES)
    shape.commented?.(
      visible.map((entry) => entry.node),
      context,
    );
  if (!lastCounts) for (const entry of visible) if (entry.under && found.has(entry.node)) ambiguous.push(entry.under);
  // A tagless repository that another map gives a tag (a `<<: *defaults` source) is not missing one.
  for (const occurrence of found.values()) {
    const repository = occurrence.repositoryNode;
    if (occurrence.missingTag === undefined && repository !== undefined && found.get(repository)?.missingTag) {
      found.delete(repository);
    }
  }
  const all = [...found.values(), ...others];
  const mergedOver = reader.mergedOver[0];
  if (all.length > 0 && mergedOver !== undefined)
    throw new AmbiguousKeyError(mergedOver.key, startOfNode(mergedOver.first), startOfNode(mergedOver.second), true);
  if (all.length > 0 && !lastCounts) {
    const duplicate = [...ambiguous, ...reader.duplicates].sort(
      (a, b) => (startOfNode(a.second) ?? 0) - (startOfNode(b.second) ?? 0),
    )[0];
    if (duplicate !== undefined)
      throw new AmbiguousKeyError(duplicate.key, startOfNode(duplicate.first), startOfNode(duplicate.second));
  }
  for (const occurrence of all) markShared(reader, occurrence, all);
  return all.sort((a, b) => startOf(a) - startOf(b));
}

/**
 * Whether the readers of this document agree that the last of a duplicated key counts: Helm
 * (values) and kustomize (a kustomization: go-yaml v2, measured with kustomize 5.5) read the last,
 * as yq does. A Kubernetes object (`apiVersion` and `kind`) is another matter: kustomize, Flux
 * and kubectl's strict validation refuse it, so its readers disagree. So do they on a document
 * whose own `apiVersion` or `kind` is written twice.
 */
function readersTakeTheLast(reader: DocumentReader): boolean {
  const contents = reader.doc.contents;
  if (!isMap(contents)) return true;
  const known = reader.duplicates.length;
  const apiVersion = reader.scalar(contents, 'apiVersion')?.value;
  const kind = reader.scalar(contents, 'kind')?.value;
  if (reader.duplicates.length > known) return false;
  const object = typeof apiVersion === 'string' && typeof kind === 'string';
  return !object || apiVersion.startsWith('kustomize.config.k8s.io/');
}

/** The nodes a reader reaches from the top, taking the last of each duplicated key. */
function liveNodes(reader: DocumentReader): Set<unknown> {
  const live = new Set<unknown>();
  const pending: unknown[] = [reader.doc.contents];
  while (pending.length > 0) {
    const node = reader.resolve(pending.pop());
    if (node === null || node === undefined || live.has(node)) continue;
    live.add(node);
    if (isSeq(node)) pending.push(...node.items);
    if (!isMap(node)) continue;
    const last = new Map<string, Pair>();
    for (const pair of node.items) {
      const key = reader.keyOf(pair);
      if (reader.isMerge(pair)) pending.push(pair.value);
      else if (key !== undefined) last.set(key, pair);
      else pending.push(pair.value);
    }
    for (const pair of last.values()) pending.push(pair.value);
  }
  return live;
}

/** The pairs of a map whose key is written more than once, each with the duplicate it is part of. */
function duplicatedPairs(reader: DocumentReader, map: YAMLMap): Map<Pair, DuplicateKeyError> {
  const byKey = new Map<string, Pair[]>();
  for (const pair of map.items) {
    const key = reader.keyOf(pair);
    if (key === undefined) continue;
    const pairs = byKey.get(key);
    if (pairs === undefined) byKey.set(key, [pair]);
    else pairs.push(pair);
  }
  const duplicated = new Map<Pair, DuplicateKeyError>();
  for (const [key, pairs] of byKey) {
    if (pairs.length < 2) continue;
    const duplicate = new DuplicateKeyError(key, pairs[0]!.key, pairs[1]!.key);
    for (const pair of pairs) duplicated.set(pair, duplicate);
  }
  return duplicated;
}

/**
 * Marks the scalars of an occurrence that a rewrite may not change alone: one an anchor also
 * shows where no shape read it, or one another occurrence reads differently (a tag anchor shared
 * by two repositories).
 */
function markShared(reader: DocumentReader, occurrence: Occurrence, all: readonly Occurrence[]): void {
  const shared = new Map<Scalar, number>();
  for (const node of [occurrence.node, occurrence.digestNode, occurrence.repositoryNode]) {
    if (node === undefined || shared.has(node)) continue;
    const other = all.find(
      (candidate) =>
        candidate !== occurrence &&
        (candidate.node === node || candidate.digestNode === node || candidate.repositoryNode === node) &&
        !sameReading(candidate, occurrence),
    );
    const unread = other === undefined ? reader.unreadUse(node) : undefined;
    const at =
      other !== undefined
        ? startOfNode(other.repositoryNode ?? other.node)
        : unread !== undefined
          ? slotStart(reader, unread)
          : undefined;
    if (other !== undefined || unread !== undefined) shared.set(node, at ?? startOfNode(node) ?? 0);
  }
  if (shared.size > 0) occurrence.shared = shared;
}

/** Where an occurrence starts in the manifest, for ordering. */
function startOf(occurrence: Occurrence): number {
  const start = occurrence.node.range?.[0] ?? 0;
  if (occurrence.embedded === undefined) return start;
  return occurrence.embedded.toHost(start) ?? occurrence.embedded.at;
}

/** The occurrences inside a string of YAML; none when it is not YAML. */
function locateInBlock(text: string, node: Scalar, fileName: string): Occurrence[] {
  const block = embeddedBlock(text, node);
  if (block === undefined) return [];
  const inner = parseDocument(block.text, { uniqueKeys: false, strict: false });
  decodeBinaryScalars(inner, block.text);
  if (inner.errors.length > 0) return [];
  const toHost = (offset: number | undefined) => (offset === undefined ? undefined : block.toHost(offset));
  try {
    return locateOccurrences(inner, fileName, block.text, false).map((occurrence) => ({
      ...occurrence,
      embedded: block,
      shared:
        occurrence.shared && new Map([...occurrence.shared].map(([scalar, at]) => [scalar, toHost(at) ?? at] as const)),
    }));
  } catch (error) {
    if (error instanceof MarkerMismatchError && error.offset !== undefined) error.offset = block.toHost(error.offset);
    if (error instanceof AmbiguousKeyError) {
      error.first = toHost(error.first);
      error.second = toHost(error.second);
    }
    throw error;
  }
}
