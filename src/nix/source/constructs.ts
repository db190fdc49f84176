import type { Token } from './lexer.js';
import { isSymbol } from './syntax.js';

/**
 * Constructs that reach files no path literal names, found in a stream of tokens (lexer.ts): the
 * code of a file, or its text read as words. Each returns how to call the construct it found.
 */

/** A builtin's name: Nix also binds those outside the global scope as `__name` (`__toPath`). */
const builtinName = (token: Token | undefined) =>
  token?.kind === 'identifier' ? token.text.replace(/^__(?=[a-z])/, '') : undefined;

const isPath = (token: Token | undefined) => token?.kind === 'path' || token?.kind === 'homePath';

/** A path, or what starts as one where Nix would not read a path (`/`, `.`): it may be one. */
const mayBePath = (token: Token | undefined) => isPath(token) || (token?.kind === 'symbol' && /^[./]/.test(token.text));

/** The index of the first token at or after `from` that is not an opening parenthesis. */
function skipOpenParens(tokens: readonly Token[], from: number): number {
  let index = from;
  while (isSymbol(tokens[index], '(')) index++;
  return index;
}

/** The index of the token after the path that starts at `index`, its interpolations and parts. */
function afterPath(tokens: readonly Token[], index: number): number {
  const end = tokens[index]!.pathEnd ?? tokens[index]!.end;
  let next = index + 1;
  while (next < tokens.length && tokens[next]!.start < end) next++;
  return next;
}

/** Builtins that turn a string into a path, or walk up from a path, by name. */
const BUILTINS = new Map([
  ['toPath', 'builtins.toPath'],
  ['storePath', 'builtins.storePath'],
  ['dirOf', 'dirOf'],
  ['findFile', 'builtins.findFile (a search path)'],
  // nixpkgs functions that walk up from a path they are given.
  ['locateDominatingFile', 'lib.filesystem.locateDominatingFile'],
]);

const FETCHERS = new Set(['fetchGit', 'fetchTree', 'fetchTarball', 'fetchurl', 'fetchMercurial']);

/** How a string that names a local file or directory starts. */
const LOCAL = /^\s*(?:\/|\.|~|file:|\$\{)/;

/** Whether `token` opens a string (a quote, in words) whose text names a local place. */
function localString(tokens: readonly Token[], index: number, source: string): boolean {
  const token = tokens[index];
  if (token === undefined) return false;
  if (token.kind === 'uri') return token.text.startsWith('file:');
  const quote = token.kind === 'stringOpen' || isSymbol(token, '"', "'");
  if (!quote) return false;
  const after = isSymbol(token, "'") && isSymbol(tokens[index + 1], "'") ? tokens[index + 1]!.end : token.end;
  return LOCAL.test(source.slice(after, after + 64));
}

/** A fetcher given a local path as a string: `fetchGit "/src"`, `fetchTarball { url = "file://…"; }`. */
function localFetch(tokens: readonly Token[], index: number, source: string): boolean {
  if (!FETCHERS.has(builtinName(tokens[index]) ?? '')) return false;
  const argument = skipOpenParens(tokens, index + 1);
  if (!isSymbol(tokens[argument], '{')) return localString(tokens, argument, source);
  let depth = 0;
  for (let at = argument; at < tokens.length; at++) {
    const token = tokens[at]!;
    if (isSymbol(token, '{') || token.kind === 'interpolation') depth++;
    else if (isSymbol(token, '}') && --depth === 0) return false;
    else if (token.kind === 'identifier' && token.text === 'url' && isSymbol(tokens[at + 1], '=')) {
      if (localString(tokens, skipOpenParens(tokens, at + 2), source)) return true;
    }
  }
  return false;
}

/** The first construct in `tokens` that reaches files by a computed name. */
export function computedReach(tokens: readonly Token[], source: string): string | undefined {
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (isPath(token)) {
      // `./a + "x"` is `./ax`, `./a + "/../b"` is `./b`; so is `(./a) + …`.
      let after = afterPath(tokens, index);
      while (isSymbol(tokens[after], ')')) after++;
      if (isSymbol(tokens[after], '+', '++')) return token.text === '/.' ? '/. + …' : 'a path literal extended with +';
    }
    const builtin = BUILTINS.get(builtinName(token) ?? '');
    if (builtin !== undefined) return builtin;
    if (localFetch(tokens, index, source)) return 'a fetch of a local path given as a string';
    if (token.kind === 'searchPath' && !/^<nixpkgs[/>]/.test(token.text)) return 'a search path other than <nixpkgs>';
  }
  return undefined;
}

/** Names bound to a path literal: `src = ./.;`, `{ root ? ../. }:`, `x = (./a);`. */
export function namesOfPaths(tokens: readonly Token[]): Set<string> {
  const names = new Set<string>();
  tokens.forEach((token, index) => {
    if (token.kind === 'identifier' && isSymbol(tokens[index + 1], '=', '?')) {
      if (mayBePath(tokens[skipOpenParens(tokens, index + 2)])) names.add(token.text);
    }
  });
  return names;
}

/**
 * A path value turned into its location as a string (`toString ./x`), which can be edited into
 * the name of any file (`replaceStrings`, `+ ".json"`) that no literal names; so can the location
 * of the file itself (`__curPos`, `unsafeGetAttrPos`). `toString` (or `toXML`) counts when its
 * argument is a path literal, or a name (or an attribute path ending in one) in `bound`;
 * `toString port` does not.
 */
export function locationString(tokens: readonly Token[], bound: ReadonlySet<string>): string | undefined {
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    const name = builtinName(token);
    if (token.text === '__curPos' || name === 'unsafeGetAttrPos') return token.text;
    if (name !== 'toString' && name !== 'toXML') continue;
    const argument = skipOpenParens(tokens, index + 1);
    if (mayBePath(tokens[argument])) return `${name} ${tokens[argument]!.text}`;
    let last = argument;
    while (
      tokens[last]?.kind === 'identifier' &&
      isSymbol(tokens[last + 1], '.') &&
      tokens[last + 2]?.kind === 'identifier'
    ) {
      last += 2;
    }
    if (tokens[last]?.kind === 'identifier' && bound.has(tokens[last]!.text)) {
      const chain = tokens.slice(argument, last + 1).map((part) => part.text);
      return `${name} ${chain.join('')}`;
    }
  }
  return undefined;
}
