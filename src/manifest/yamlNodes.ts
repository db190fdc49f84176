import { isAlias, isMap, isScalar, isSeq, type Document, type Scalar, type YAMLMap } from 'yaml';

/** A scalar's value as text (`1.0` stays `1.0`); undefined for anything that is not text-like. */
export function scalarText(node: Scalar): string | undefined {
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' || typeof node.value === 'boolean' || node.value === null) {
    return node.source ?? String(node.value);
  }
  return undefined;
}

/** An alias's anchored node; any other node as it is. */
export function resolveNode(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/**
 * A key's scalar value in a map, looking through `<<` merge keys as YAML 1.1 merges do (a key
 * written in the map itself wins), so `<<: *defaults` can supply a Helm map's repository.
 */
export function mapScalar(map: YAMLMap, key: string, doc: Document, depth = 0): Scalar | undefined {
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  if (pair !== undefined) {
    const value = resolveNode(pair.value, doc);
    return isScalar(value) ? value : undefined;
  }
  if (depth > 8) return undefined;
  for (const item of map.items) {
    if (!isScalar(item.key) || item.key.value !== '<<') continue;
    const merged = resolveNode(item.value, doc);
    const sources = isSeq(merged) ? merged.items.map((entry) => resolveNode(entry, doc)) : [merged];
    for (const source of sources) {
      const found = isMap(source) ? mapScalar(source, key, doc, depth + 1) : undefined;
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
