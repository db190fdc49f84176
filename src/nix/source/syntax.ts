import type { Token } from './lexer.js';

/** The shape of Nix code read from its tokens (lexer.ts): operands, arguments, bindings, lambdas. */

export const isSymbol = (token: Token | undefined, ...symbols: string[]) =>
  token?.kind === 'symbol' && symbols.includes(token.text);

/** An identifier's name as a builtin: Nix also puts builtins in scope as `__name` (`__toString`). */
export const builtinName = (token: Token) => token.text.replace(/^__/, '');

export const opens = (token: Token | undefined) =>
  isSymbol(token, '(', '[', '{') || token?.kind === 'interpolation' || token?.kind === 'stringOpen';

const closes = (token: Token | undefined) => isSymbol(token, ')', ']', '}') || token?.kind === 'stringClose';

/** Where an operand ends: an operator binding looser than application, or a delimiter. */
const BOUNDARY_SYMBOLS = new Set([
  '=',
  ';',
  ',',
  ':',
  '?',
  '@',
  '+',
  '-',
  '*',
  '/',
  '++',
  '//',
  '==',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  '&&',
  '||',
  '->',
  '!',
  '|>',
  '<|',
]);

const BOUNDARY_WORDS = new Set(['in', 'then', 'else', 'if', 'let', 'with', 'assert', 'or', 'rec', 'inherit']);

const isBoundary = (token: Token) =>
  (token.kind === 'symbol' && BOUNDARY_SYMBOLS.has(token.text)) ||
  (token.kind === 'identifier' && BOUNDARY_WORDS.has(token.text));

/** The token indices of the operand that ends just before `at` (an application, a selection, a group). */
export function operandBefore(tokens: readonly Token[], at: number): number[] {
  const found: number[] = [];
  let depth = 0;
  for (let index = at - 1; index >= 0; index--) {
    const token = tokens[index]!;
    if (depth === 0 && (opens(token) || isBoundary(token))) break;
    if (closes(token)) depth++;
    else if (opens(token)) depth--;
    found.push(index);
  }
  return found;
}

/** The token indices of the argument that starts at `at`: a group (`(…)`, `[…]`, `{…}`), or a name and its selections. */
export function argumentAt(tokens: readonly Token[], at: number): number[] {
  const found: number[] = [];
  if (tokens[at] === undefined) return found;
  if (opens(tokens[at])) {
    let depth = 0;
    for (let index = at; index < tokens.length; index++) {
      found.push(index);
      if (opens(tokens[index])) depth++;
      else if (closes(tokens[index]) && --depth === 0) break;
    }
    return found;
  }
  let index = at;
  found.push(index);
  while (isSymbol(tokens[index + 1], '.') && tokens[index + 2] !== undefined) {
    found.push(index + 1, index + 2);
    index += 2;
  }
  return found;
}

/** Where the selection that ends at `index` starts: `builtins.toString`, `(builtins).toString`, `b.c.toString`. */
export function chainStart(tokens: readonly Token[], index: number): number {
  let start = index;
  while (isSymbol(tokens[start - 1], '.')) {
    const before = tokens[start - 2];
    if (before?.kind === 'identifier') start -= 2;
    else if (isSymbol(before, ')')) {
      let depth = 0;
      let at = start - 2;
      for (; at >= 0; at--) {
        if (closes(tokens[at])) depth++;
        else if (opens(tokens[at]) && --depth === 0) break;
      }
      start = at;
    } else break;
  }
  return start;
}

/** Whether the token at `index` is one of the names of an `inherit … ;`. */
export function insideInherit(tokens: readonly Token[], index: number): boolean {
  for (let at = index - 1; at >= 0; at--) {
    const token = tokens[at]!;
    if (token.kind === 'identifier' && token.text === 'inherit') return true;
    if (token.kind !== 'identifier' && !isSymbol(token, '(', ')', '.')) return false;
  }
  return false;
}

/** Tokens that start an argument of a function application. */
const startsArgument = (token: Token | undefined) =>
  token !== undefined &&
  ((token.kind === 'identifier' && !BOUNDARY_WORDS.has(token.text)) ||
    ['path', 'homePath', 'searchPath', 'number', 'stringOpen', 'uri'].includes(token.kind) ||
    isSymbol(token, '(', '[', '{'));

/**
 * Whether the function that spans `start`…`index` is applied to what follows it, rather than
 * itself an argument (`map toString xs`, `f toString`) or a value (`self: toString;`).
 */
export function applied(tokens: readonly Token[], start: number, index: number): boolean {
  return !isArgumentPosition(tokens, start) && startsArgument(tokens[index + 1]);
}

/** Whether what starts at `start` is an argument of the application before it (`map toString`, `f readFile`). */
export function isArgumentPosition(tokens: readonly Token[], start: number): boolean {
  const before = tokens[start - 1];
  return (
    before !== undefined &&
    ((before.kind === 'identifier' && !BOUNDARY_WORDS.has(before.text)) ||
      ['path', 'homePath', 'number', 'stringClose', 'uri'].includes(before.kind) ||
      isSymbol(before, ')', ']', '}'))
  );
}

/** Whether a lambda is written at `index` (`p: …`, `{ … }: …`, `(p: …)`). */
export function isLambda(tokens: readonly Token[], index: number): boolean {
  let at = index;
  while (isSymbol(tokens[at], '(')) at++;
  if (tokens[at]?.kind === 'identifier') return isSymbol(tokens[at + 1], ':', '@');
  if (!isSymbol(tokens[at], '{')) return false;
  const pattern = argumentAt(tokens, at);
  return isSymbol(tokens[pattern.at(-1)! + 1], ':', '@');
}

/** The identifiers directly inside an attribute set (`group`: its tokens' indices from its `{`), not in a nested one. */
export function setIdentifiers(tokens: readonly Token[], group: readonly number[]): number[] {
  const found: number[] = [];
  let depth = 0;
  for (const at of group) {
    const inner = tokens[at]!;
    if (isSymbol(inner, '{') || inner.kind === 'interpolation') depth++;
    else if (isSymbol(inner, '}')) depth--;
    if (depth === 1 && inner.kind === 'identifier') found.push(at);
  }
  return found;
}

/** The names a file binds (`name =`, `a.b =`, `name ?`), each with the token range of its value. */
export function bindings(tokens: readonly Token[]): Array<{ names: string[]; from: number; to: number }> {
  const found: Array<{ names: string[]; from: number; to: number }> = [];
  tokens.forEach((token, index) => {
    if (!isSymbol(token, '=', '?') || tokens[index - 1]?.kind !== 'identifier') return;
    const names = [tokens[index - 1]!.text];
    for (let at = index - 2; isSymbol(tokens[at], '.') && tokens[at - 1]?.kind === 'identifier'; at -= 2) {
      names.push(tokens[at - 1]!.text);
    }
    let depth = 0;
    let end = index + 1;
    for (; end < tokens.length; end++) {
      const next = tokens[end]!;
      if (depth === 0 && (isSymbol(next, ';') || (token.text === '?' && isSymbol(next, ',', '}')))) break;
      if (opens(next)) depth++;
      else if (closes(next) && --depth < 0) break;
    }
    found.push({ names, from: index + 1, to: end });
  });
  return found;
}

/** The names of the pattern `{ … }` that closes at `close`. */
export function collectPattern(tokens: readonly Token[], close: number, names: Set<string>): void {
  let depth = 0;
  for (let index = close; index >= 0; index--) {
    const token = tokens[index]!;
    if (closes(token)) depth++;
    else if (opens(token) && --depth === 0) {
      if (isSymbol(tokens[index - 1], '@') && tokens[index - 2]?.kind === 'identifier')
        names.add(tokens[index - 2]!.text);
      return;
    }
    if (depth === 1 && token.kind === 'identifier' && isSymbol(tokens[index + 1], ',', '?', '}')) names.add(token.text);
  }
}

/** `inherit a b;` (from the scope around) and `inherit (e) a b;` (from e): the names each binds. */
export function inherits(tokens: readonly Token[]): Array<{ names: string[]; from: boolean; builtins: boolean }> {
  const found: Array<{ names: string[]; from: boolean; builtins: boolean }> = [];
  tokens.forEach((token, index) => {
    if (token.kind !== 'identifier' || token.text !== 'inherit') return;
    let at = index + 1;
    const from = isSymbol(tokens[at], '(');
    // `inherit (builtins) toString;` binds the builtin itself.
    const builtins = from && tokens[at + 1]?.text === 'builtins' && isSymbol(tokens[at + 2], ')');
    if (from) at = argumentAt(tokens, at).at(-1)! + 1;
    const names: string[] = [];
    for (; tokens[at]?.kind === 'identifier' || tokens[at]?.kind === 'stringOpen'; at++) {
      if (tokens[at]!.kind === 'identifier') names.push(tokens[at]!.text);
    }
    found.push({ names, from, builtins });
  });
  return found;
}

/** Whether a `with` of anything but builtins may bind a bare name, a builtin's too. */
export const withOfOther = (tokens: readonly Token[]) =>
  tokens.some(
    (token, index) => token.kind === 'identifier' && token.text === 'with' && tokens[index + 1]?.text !== 'builtins',
  );

/** A name read as a value at `index` (not an attribute after `.`, not a binding's own name). */
export const readAt = (tokens: readonly Token[], index: number) =>
  tokens[index]?.kind === 'identifier' && !isSymbol(tokens[index - 1], '.') && !isSymbol(tokens[index + 1], '=');

/**
 * The names the value `from`…`to` reads from around it: not the parameters of lambdas written
 * inside it (`total = foldl' (acc: x: acc + x) 0 xs` reads `xs`, not `acc`).
 */
export function outerReads(tokens: readonly Token[], from: number, to: number): string[] {
  // Declared inside only: a name an enclosing lambda also declares may be that one.
  const inside = new Set<string>();
  const outside = new Set<string>();
  tokens.forEach((token, index) => {
    if (!isSymbol(token, ':')) return;
    const names = new Set<string>();
    const before = tokens[index - 1];
    if (before?.kind === 'identifier') names.add(before.text);
    else if (isSymbol(before, '}')) collectPattern(tokens, index - 1, names);
    for (const name of names) (index > from && index < to ? inside : outside).add(name);
  });
  const reads: string[] = [];
  for (let index = from; index < to; index++) {
    const name = tokens[index]!.text;
    if (readAt(tokens, index) && (!inside.has(name) || outside.has(name))) reads.push(name);
  }
  return reads;
}
