import { stringValue, type Token } from './lexer.js';
import { chainStart, isSymbol } from './syntax.js';

/** A path's location made a string (`toString p`): where it can name another file, and its other names. */

/** Builtins that turn a path into its location as a string. */
export const TO_STRING = new Set(['toString', 'toXML']);

/** A string added to a path that names something under it: `/sub`, never `.json`, `/..`, `/.`. */
export function staysUnder(added: string): boolean {
  if (!added.startsWith('/')) return false;
  return !added.split('/').some((segment) => segment === '..' || segment === '.');
}

/**
 * Whether the call `start`…`end` is a whole interpolation whose location can name no file but
 * one under it: after text that does not start with `/` (`"v${toString n}"`, `"PORT=${…}"`:
 * no absolute name), or first and followed by text that stays under it (`"${toString p}/tcp"`).
 */
export function harmlessLocation(tokens: readonly Token[], start: number, end: number): boolean {
  if (tokens[start - 1]?.kind !== 'interpolation' || !isSymbol(tokens[end + 1], '}')) return false;
  let open = start - 2;
  while (open >= 0 && tokens[open]?.kind !== 'stringOpen') {
    if (tokens[open]!.kind === 'stringClose') return false;
    open--;
  }
  const first = tokens[open + 1];
  // Indentation an indented string strips is no text.
  if (first?.kind === 'stringText') return !/^\s*(?:\/|$)/.test(stringValue(first));
  if (open + 1 !== start - 1) return false;
  let text = '';
  let after = end + 2;
  for (; tokens[after]?.kind === 'stringText'; after++) text += stringValue(tokens[after]!);
  // Only text, to the end of the string: `"${toString p}/${up}/x"` may climb.
  return tokens[after]?.kind === 'stringClose' && text !== '' && staysUnder(text);
}

/**
 * Names that are `toString` under another name: bound to it (`ts = toString;`, `builtins.toString`)
 * or to a function that returns its argument's location (`loc = x: toString x;`, `x: "${toString x}"`).
 */
export function toStringAliases(
  tokens: readonly Token[],
  bound: ReadonlyArray<{ names: string[]; from: number; to: number }>,
  isBuiltin: (index: number) => boolean,
): Set<string> {
  const aliases = new Set<string>();
  /**
   * The length of a `toString` that starts at `index` and ends before `end` at the latest (1, or
   * more for a selection: `builtins.toString`, `b.toString`, `(builtins).toString`), or 0.
   */
  const call = (index: number, end: number) => {
    for (let last = index; last < end; last++) {
      const named = isBuiltin(last) || (aliases.has(tokens[last]?.text ?? '') && !isSymbol(tokens[last - 1], '.'));
      if (named && chainStart(tokens, last) === index) return last - index + 1;
    }
    return 0;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const { names, from: start, to: end } of bound) {
      if (names.every((name) => aliases.has(name))) continue;
      let from = start;
      let to = end;
      while (isSymbol(tokens[from], '(') && isSymbol(tokens[to - 1], ')')) [from, to] = [from + 1, to - 1];
      let is = call(from, to) === to - from;
      const parameter =
        tokens[from]?.kind === 'identifier' && isSymbol(tokens[from + 1], ':') ? tokens[from]!.text : '';
      if (!is && parameter !== '') {
        let body = from + 2;
        const quoted = tokens[body]?.kind === 'stringOpen' && tokens[body + 1]?.kind === 'interpolation';
        if (quoted) body += 2;
        const length = call(body, to);
        const rest = tokens.slice(body + length, to).map((token) => token.text);
        is = length > 0 && rest[0] === parameter && rest.length === (quoted ? 3 : 1);
      }
      if (!is) continue;
      for (const name of names) aliases.add(name);
      changed = true;
    }
  }
  return aliases;
}
