import { isAlias, isMap, isPair, isSeq, type Document, type Node } from 'yaml';

/** Expanded size beyond which a document is refused (a real manifest expands to far less). */
export const MAX_EXPANDED_NODES = 1_000_000;

/**
 * The number of nodes a document would have with every alias expanded, computed without expanding
 * anything (each anchor's size is counted once and reused), so a "billion laughs" file is refused
 * in microseconds. Tools downstream of nixtag (kubectl, Helm) would expand it.
 */
export function expandedSize(doc: Document): number {
  const sizes = new Map<unknown, number>();
  const visiting = new Set<unknown>();
  const size = (node: unknown): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      return target === undefined || visiting.has(target) ? 1 : size(target);
    }
    // Only anchored nodes can be reached twice: only they are remembered.
    const anchored = (node as { anchor?: string } | null)?.anchor !== undefined;
    const known = anchored ? sizes.get(node) : undefined;
    if (known !== undefined) return known;
    if (anchored) visiting.add(node);
    let total = 1;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) {
        total += isPair(item) ? size(item.key) + size(item.value) : size(item);
        if (total > MAX_EXPANDED_NODES) break;
      }
    }
    if (anchored) {
      visiting.delete(node);
      sizes.set(node, total);
    }
    return total;
  };
  return size(doc.contents as Node | null);
}
