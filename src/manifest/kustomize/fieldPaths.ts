import { isMap, isSeq } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import { text } from './documents.js';

/**
 * The segments of a kustomize field path: split on `.` (and `/`) outside brackets, `[k=v]` and
 * `[key]` kept whole.
 */
export function fieldPathSegments(fieldPath: string): string[] {
  const segments: string[] = [];
  let current = '';
  let depth = 0;
  for (const character of fieldPath) {
    if (character === '[') depth++;
    if (character === ']') depth = Math.max(0, depth - 1);
    if (depth === 0 && (character === '.' || character === '/')) {
      segments.push(current);
      current = '';
    } else current += character;
  }
  segments.push(current);
  return segments.filter((segment) => segment !== '');
}

/** Whether a node is a map holding an `image` key at any depth, or a list of such (each node looked at once). */
function holdsImageField(reader: DocumentReader, node: unknown, seen = new Set<unknown>()): boolean {
  const resolved = reader.resolve(node);
  if (seen.has(resolved)) return false;
  seen.add(resolved);
  if (isMap(resolved)) {
    return resolved.items.some(
      (pair) => text(reader.resolve(pair.key)) === 'image' || holdsImageField(reader, pair.value, seen),
    );
  }
  if (isSeq(resolved)) return resolved.items.some((item) => holdsImageField(reader, item, seen));
  return false;
}

/**
 * The nodes a field path reaches in a document, with whether each is an image field (under an
 * `image` key, or a map or list holding one), and whether the path stops short (a field to
 * create).
 */
export function resolveFieldPath(
  reader: DocumentReader,
  contents: unknown,
  fieldPath: string,
): { nodes: Array<{ node: unknown; imageField: boolean }>; missing: boolean } {
  let frontier: Array<{ node: unknown; key: string | undefined }> = [{ node: contents, key: undefined }];
  let missing = false;
  for (const segment of fieldPathSegments(fieldPath)) {
    const next: Array<{ node: unknown; key: string | undefined }> = [];
    for (const { node } of frontier) {
      const resolved = reader.resolve(node);
      const selector = /^\[([^=\]]+)=(.*)\]$/.exec(segment);
      const bracketKey = /^\[([^=]*)\]$/.exec(segment)?.[1];
      if (isSeq(resolved)) {
        const all = resolved.items.map((item) => reader.resolve(item));
        if (segment === '*' || segment === '-') next.push(...all.map((item) => ({ node: item, key: undefined })));
        else if (selector) {
          const [, key, value] = selector;
          next.push(
            ...all
              .filter((item) => isMap(item) && text(reader.value(item, key!)) === value)
              .map((item) => ({ node: item, key: undefined })),
          );
        } else if (/^\d+$/.test(segment) && all[Number(segment)] !== undefined) {
          next.push({ node: all[Number(segment)], key: undefined });
        }
      } else if (isMap(resolved)) {
        if (segment === '*') {
          next.push(
            ...resolved.items.map((pair) => ({
              node: reader.resolve(pair.value),
              key: text(reader.resolve(pair.key)),
            })),
          );
        } else {
          const key = bracketKey ?? segment;
          const value = reader.value(resolved, key);
          if (value !== undefined) next.push({ node: value, key });
        }
      }
    }
    if (next.length === 0) {
      missing = true;
      break;
    }
    frontier = next;
  }
  if (missing) return { nodes: [], missing };
  return {
    nodes: frontier.map(({ node, key }) => ({ node, imageField: key === 'image' || holdsImageField(reader, node) })),
    missing,
  };
}
