/**
 * What Nix reads as code in a file: its text with comments and the literal parts of strings
 * blanked (each character but a line break becomes a space, so lines and columns stay where they
 * were). A `${ … }` interpolation inside a string is code. Follows Nix's lexer: `#` and `/* … *\/`
 * comments; `"…"` strings with `\` escapes, where `$${` is literal; `''…''` strings, where `'''`,
 * `''$` and `''\x` are escapes and `$${` is literal too; identifiers may hold `'` (`x''`); a URI
 * literal (`http://example.org/*`) is a string.
 */
export function nixCode(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let index = from; index < Math.min(to, text.length); index++) if (out[index] !== '\n') out[index] = ' ';
  };
  /** What encloses the current position: code (with its open braces) or a string of either kind. */
  const stack: Array<{ kind: 'code'; braces: number } | { kind: 'string' | 'indented' }> = [
    { kind: 'code', braces: 0 },
  ];
  let index = 0;
  while (index < text.length) {
    const frame = stack[stack.length - 1]!;
    const char = text[index]!;
    const next = text[index + 1];
    if (frame.kind === 'code') {
      if (/[A-Za-z_]/.test(char)) {
        URI.lastIndex = index;
        if (URI.test(text)) {
          blank(index, URI.lastIndex); // a string, as "…" would be
          index = URI.lastIndex;
        } else index = skip(text, index, /[A-Za-z0-9_'-]/);
      } else if (char === '#') {
        const end = lineEnd(text, index);
        blank(index, end);
        index = end;
      } else if (char === '/' && next === '*') {
        const close = text.indexOf('*/', index + 2);
        const end = close === -1 ? text.length : close + 2;
        blank(index, end);
        index = end;
      } else if (char === '"') {
        stack.push({ kind: 'string' });
        index++;
      } else if (char === "'" && next === "'") {
        stack.push({ kind: 'indented' });
        index += 2;
      } else if (char === '{') {
        frame.braces++;
        index++;
      } else if (char === '}' && frame.braces === 0 && stack.length > 1) {
        stack.pop(); // the end of an interpolation: back in its string
        index++;
      } else {
        if (char === '}') frame.braces = Math.max(0, frame.braces - 1);
        index++;
      }
      continue;
    }
    const start = index;
    if (char === '$' && next === '{') {
      stack.push({ kind: 'code', braces: 0 });
      index += 2;
      continue;
    }
    if (frame.kind === 'string') {
      if (char === '"') {
        stack.pop();
        index++;
        continue;
      }
      index += char === '\\' || (char === '$' && next === '$') ? 2 : 1;
    } else if (char === "'" && next === "'") {
      const after = text[index + 2];
      if (after === "'" || after === '$') index += 3;
      else if (after === '\\') index += 4;
      else {
        stack.pop();
        index += 2;
        continue;
      }
    } else index += char === '$' && next === '$' ? 2 : 1;
    blank(start, index);
  }
  return out.join('');
}

/** A URI literal (`http://example.org/*`, `x:y`), which Nix reads before an identifier when longer. */
const URI = /[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+/y;

/** The index after the run of characters matching `allowed` that starts at `from`. */
function skip(text: string, from: number, allowed: RegExp): number {
  let index = from;
  while (index < text.length && allowed.test(text[index]!)) index++;
  return index;
}

/** The index of the line break that ends the line holding `from` (or the end of the text). */
function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end === -1 ? text.length : end;
}
