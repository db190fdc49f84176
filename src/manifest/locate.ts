import { isMap, isScalar, isSeq, type Document, type Scalar } from 'yaml';
import { REFERENCE_SHAPES, type Occurrence, type ShapeContext } from './shapes.js';

export type { Occurrence, OccurrenceContext, OccurrenceForm } from './shapes.js';

/** Refused beyond this depth: real manifests nest a few dozen levels. */
export const MAX_DEPTH = 256;

export class NestingTooDeepError extends Error {}

/**
 * Finds every scalar of one YAML document that holds an image reference or tag, in one walk that
 * hands every map to each shape of REFERENCE_SHAPES, then the document, then the commented
 * scalars. Aliases are followed to their anchor, so a reference behind an anchor is reported once.
 */
export function locateOccurrences(doc: Document, fileName: string): Occurrence[] {
  const found = new Map<Scalar, Occurrence>();
  const context: ShapeContext = {
    doc,
    fileName,
    found,
    add: (occurrence) => {
      if (!found.has(occurrence.node)) found.set(occurrence.node, occurrence);
    },
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

  return [...found.values()].sort((a, b) => (a.node.range?.[0] ?? 0) - (b.node.range?.[0] ?? 0));
}
