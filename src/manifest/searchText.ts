import { decodeManifest } from './decode.js';

/** A YAML double-quoted (or JSON) escape that can spell a character of an image name. */
const ESCAPE = /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|\/)/g;

/** A line ending in an escaped line break (an odd run of backslashes): YAML joins the next to it. */
const CONTINUED = /(?:^|[^\\])(?:\\\\)*\\\r?$/;

/**
 * The lines of a text with YAML's and JSON's escapes written out (`reg.example\x2fapp`,
 * `\u002f`, `\/`), a line ending in an escaped line break joined to the next (its leading
 * blanks dropped), each at the line it starts on: what a reader of a double-quoted scalar reads,
 * so that a search for a name finds it however it is spelled. Escapes are written out wherever
 * they stand (in a comment, a single-quoted or plain scalar, after an escaped backslash): the
 * search over-approximates, never misses.
 */
function unescapedLines(text: string): Array<{ line: number; text: string; raw: string[] }> {
  const raw = text.split('\n');
  const lines: Array<{ line: number; text: string; raw: string[] }> = [];
  for (let index = 0; index < raw.length; index += 1) {
    const start = index;
    let joined = raw[index]!;
    while (CONTINUED.test(joined) && index + 1 < raw.length) {
      joined = joined.replace(/\\\r?$/, '') + raw[++index]!.trimStart();
    }
    lines.push({ line: start + 1, text: joined.replace(ESCAPE, written), raw: raw.slice(start, index + 1) });
  }
  return lines;
}

function written(escape: string, body: string): string {
  if (body === '/') return '/';
  const point = Number.parseInt(body.slice(1), 16);
  return point <= 0x10ffff ? String.fromCodePoint(point) : escape;
}

/**
 * The lines of a file's bytes that hold one of `needles` (lower case), compared as `git grep -i
 * -F` compares, in the text its readers read: decoded as a manifest is (UTF-16, UTF-32), escapes
 * written out (`unescapedLines`); none for binary data.
 */
export function linesHolding(bytes: Uint8Array, needles: readonly string[]): Array<{ line: number; text: string }> {
  const decoded = decodeManifest(bytes);
  if ('undecodable' in decoded && decoded.undecodable === 'binary') return [];
  // Bytes that are not UTF-8 are searched as git grep searches them.
  const text = 'text' in decoded ? decoded.text : Buffer.from(bytes).toString('utf8');
  const count = (line: string) => needles.reduce((sum, needle) => sum + line.toLowerCase().split(needle).length - 1, 0);
  // Each line that holds a name as written is found where it is, as git grep finds it; a name only
  // escapes (or a line joined to the next) spell, at the line it starts on.
  return unescapedLines(text).flatMap(({ line, text: written, raw }) => {
    const plain = raw.flatMap((each, index) =>
      count(each) > 0 ? [{ line: line + index, text: each.replace(/\r$/, '') }] : [],
    );
    const spelled = count(written) > raw.reduce((sum, each) => sum + count(each), 0);
    return spelled && !plain.some((hit) => hit.line === line)
      ? [{ line, text: written.replace(/\r$/, '') }, ...plain]
      : plain;
  });
}
