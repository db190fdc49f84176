/** Where on a line of a mention place (manifest/fileNames.ts) an image can be named. */

/** Where a comment starts on a line (`#` or `//` at its start or after a blank, outside quotes). */
function commentStart(line: string): number {
  let quote: string | undefined;
  for (let index = 0; index < line.length; index++) {
    const character = line[index]!;
    if (quote !== undefined) {
      if (character === '\\' && quote === '"') index++;
      else if (character === quote) quote = undefined;
      continue;
    }
    if (character === '"' || character === "'") {
      quote = character;
      continue;
    }
    const startsWord = index === 0 || /\s/.test(line[index - 1]!);
    if (startsWord && (character === '#' || line.startsWith('//', index))) return index;
  }
  return line.length;
}

/** Where the key a line opens with ends (`key:`, `"key":`, `key =`), after any list dashes; 0 without one. */
function keyEnd(line: string): number {
  const match = /^\s*(?:-\s+)*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s:"'=#{}[\],][^:=#]*?)\s*(?::(?=\s|$)|=)/.exec(line);
  return match === null ? 0 : match[0].length;
}

/**
 * Whether the characters at `at` on `line` sit where a value can: not in a comment, and not in
 * the key the line starts with (a block string's line, a list item or a Dockerfile's FROM all
 * count).
 */
export function inValuePosition(line: string, at: number): boolean {
  return at < commentStart(line) && at >= keyEnd(line);
}
