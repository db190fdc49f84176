import { isMap, isScalar, isSeq, parseDocument, type Document, type Scalar } from 'yaml';
import { embeddedBlock } from './embedded.js';
import { MarkerMismatchError, REFERENCE_SHAPES, type Occurrence, type ShapeContext } from './shapes.js';

export type { Occurrence, OccurrenceContext, OccurrenceForm } from './shapes.js';

/** Refused beyond this depth: real manifests nest a few dozen levels. */
const MAX_DEPTH = 256;

export class NestingTooDeepError extends Error {}

/**
 * Finds every scalar of one YAML document that holds an image reference or tag, in one walk that
 * hands every map to each shape of REFERENCE_SHAPES, then the document, then the commented
 * scalars. Aliases are followed to their anchor, so a reference behind an anchor is reported once.
 * `text` is the source the document was parsed from; block strings of YAML in it (Argo CD's
 * `values: |`) are searched too when `embedded` is allowed.
 */
export function locateOccurrences(doc: Document, fileName: string, text: string, embedded = true): Occurrence[] {
  const found = new Map<Scalar, Occurrence>();
  const context: ShapeContext = {
    doc,
    fileName,
    found,
    add: (occurrence) => {
      if (!found.has(occurrence.node)) found.set(occurrence.node, occurrence);
    },
    locateEmbedded: (node) => (embedded ? locateInBlock(text, node, fileName) : []),
  };
  const commented: Scalar[] = [];

  const walk = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw new NestingTooDeepError();
    if (isScalar(node)) {
      if (node.comment) commented.push(node);
      return;
    }
    if (isSeq(node)) {
      for (const item of node.items) walk(item, depth + 1);
      return;
    }
    if (!isMap(node)) return;
    for (const shape of REFERENCE_SHAPES) shape.inMap?.(node, context);
    for (const pair of node.items) walk(pair.value, depth + 1);
  };
  walk(doc.contents, 0);
  for (const shape of REFERENCE_SHAPES) shape.inDocument?.(context);
  for (const shape of REFERENCE_SHAPES) shape.commented?.(commented, context);
  // A tagless repository that another map gives a tag (a `<<: *defaults` source) is not missing one.
  for (const occurrence of found.values()) {
    const repository = occurrence.repositoryNode;
    if (occurrence.missingTag === undefined && repository !== undefined && found.get(repository)?.missingTag) {
      found.delete(repository);
    }
  }

  return [...found.values()].sort((a, b) => startOf(a) - startOf(b));
}

/** Where an occurrence starts in the manifest, for ordering. */
function startOf(occurrence: Occurrence): number {
  const start = occurrence.node.range?.[0] ?? 0;
  return occurrence.embedded?.toHost(start) ?? start;
}

/** The occurrences inside a block string of YAML; none when it is not YAML or not mapped exactly. */
function locateInBlock(text: string, node: Scalar, fileName: string): Occurrence[] {
  const block = embeddedBlock(text, node);
  if (block === undefined) return [];
  const inner = parseDocument(block.text, { uniqueKeys: false, strict: false });
  if (inner.errors.length > 0) return [];
  try {
    return locateOccurrences(inner, fileName, block.text, false).map((occurrence) => ({
      ...occurrence,
      embedded: block,
    }));
  } catch (error) {
    if (error instanceof MarkerMismatchError && error.offset !== undefined) error.offset = block.toHost(error.offset);
    throw error;
  }
}
