import type { Scalar } from 'yaml';
import type { Embedded } from './shapes/types.js';

/**
 * A string scalar that holds YAML (Argo CD's `values: |`) read as the text its readers see: judged
 * whatever its style. A literal block comes with a map from each of its characters back to the
 * manifest (every content line is the manifest's line without the block's indentation); where
 * that does not hold exactly (folded or quoted styles, an explicit indentation indicator, tabs)
 * nothing maps, so that nothing inside is ever rewritten blindly (`fix` refuses, REWRITE_UNSAFE)
 * and what is found there is reported at the scalar.
 */
export function embeddedBlock(source: string, node: Scalar): Embedded | undefined {
  if (typeof node.value !== 'string' || !node.range) return undefined;
  const at = node.range[0];
  return (
    (node.type === 'BLOCK_LITERAL' ? literalBlock(source, node.value, node.range) : undefined) ?? {
      text: node.value,
      at,
      toHost: () => undefined,
    }
  );
}

/** A literal block whose every content line is the manifest's line without its indentation. */
function literalBlock(
  source: string,
  value: string,
  [start, end]: readonly [number, number, number],
): Embedded | undefined {
  const headerEnd = source.indexOf('\n', start);
  if (headerEnd === -1 || headerEnd >= end || /\d/.test(source.slice(start, headerEnd))) return undefined;
  const lines = value.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const starts: Array<{ inner: number; host: number; length: number }> = [];
  let indent: number | undefined;
  let cursor = headerEnd + 1;
  let inner = 0;
  for (const line of lines) {
    if (cursor > source.length) return undefined;
    const lineEnd = source.indexOf('\n', cursor);
    const raw = source.slice(cursor, lineEnd === -1 ? source.length : lineEnd).replace(/\r$/, '');
    if (line === '') {
      if (raw.trim() !== '') return undefined;
    } else {
      indent ??= raw.length - raw.trimStart().length;
      if (raw.slice(0, indent).trim() !== '' || raw.slice(indent) !== line) return undefined;
      starts.push({ inner, host: cursor + indent, length: line.length });
    }
    inner += line.length + 1;
    cursor = lineEnd === -1 ? source.length + 1 : lineEnd + 1;
  }
  return {
    text: value,
    at: start,
    toHost(offset) {
      const line = starts.findLast((entry) => entry.inner <= offset);
      return line !== undefined && offset <= line.inner + line.length ? line.host + offset - line.inner : undefined;
    },
  };
}
