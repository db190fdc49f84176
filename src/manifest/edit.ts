import type { Scalar } from 'yaml';
import { InternalError } from '../errors.js';

/** Replace `text[start, end)` with `replacement`. */
export interface TextEdit {
  start: number;
  end: number;
  replacement: string;
}

/**
 * Where the characters `value[index, index + length)` of a scalar are written in the file, when
 * they are written literally: always for plain and quoted scalars without escapes, and for block
 * scalars or folded quotes when the value's text occurs exactly once in the scalar's source.
 * Undefined when the bytes cannot be mapped (escapes), so that nothing is rewritten blindly.
 */
export function literalOffset(source: string, node: Scalar, value: string): number | undefined {
  const [start, end] = node.range ?? [0, 0];
  const raw = source.slice(start, end);
  if (node.type === 'PLAIN' && raw === value) return start;
  if ((node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE') && raw.slice(1, -1) === value) {
    return start + 1;
  }
  if (value.length === 0 || value.includes('\n')) return undefined;
  const first = raw.indexOf(value);
  return first !== -1 && raw.indexOf(value, first + 1) === -1 ? start + first : undefined;
}

/** A plain scalar that YAML would read as something other than this string needs quotes. */
export function needsQuotes(value: string): boolean {
  return /^(?:[-+]?\d[\d_]*(?:\.\d*)?(?:e[-+]?\d+)?|0x[\da-f_]+|0o[0-7_]+|0b[01_]+|true|false|yes|no|on|off|null|~|y|n)$/i.test(
    value,
  );
}

/**
 * Applies non-overlapping edits in one pass. Everything outside the edits is copied unchanged,
 * byte for byte: line endings, BOM, comments, a missing final newline.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let result = '';
  let cursor = 0;
  for (const edit of sorted) {
    // planRewrite edits each occurrence's own scalars, and no two occurrences share one.
    if (edit.start < cursor) throw new InternalError(`overlapping edits at offset ${edit.start}`);
    result += text.slice(cursor, edit.start) + edit.replacement;
    cursor = edit.end;
  }
  return result + text.slice(cursor);
}

/**
 * Where a value's characters are written in the manifest: as `literalOffset`, through the block
 * string of YAML that holds the scalar when there is one.
 */
export function hostOffset(
  source: string,
  node: Scalar,
  value: string,
  embedded: { text: string; toHost(offset: number): number | undefined } | undefined,
): number | undefined {
  if (embedded === undefined) return literalOffset(source, node, value);
  const inner = literalOffset(embedded.text, node, value);
  return inner === undefined ? undefined : embedded.toHost(inner);
}
