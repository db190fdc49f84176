import path from 'node:path';
import { stringValue, type Token } from './lexer.js';
import { argumentAt, builtinName, insideInherit, isSymbol, setIdentifiers } from './syntax.js';
import { placeIn } from './moving.js';

/**
 * `builtins.path { path = ./app; sha256 = "…"; }`: a copy whose store path the hash fixes. Nix (2.8
 * and 2.26) returns that path without reading `./app` when the store holds it already, so an
 * `./app` changed since answers with the old copy here, where CI's empty store hashes the files and
 * fails (`store path mismatch`). engine/hashedPaths.ts hashes the tree's files itself.
 */
export interface HashedPath {
  /** `file:line` of the call. */
  at: string;
  column: number;
  /** What the text says exactly, when it says enough to hash: no filter, a literal path and hash. */
  checkable?: {
    /** From the repository's root ('' for the root). */
    path: string;
    /** The hash as written. */
    hash: string;
    /** NAR (the default) or the file's bytes (`recursive = false`). */
    recursive: boolean;
  };
}

/** The value of a binding at `from` (after its `=`): the tokens up to its `;`. */
function valueAt(code: readonly Token[], from: number): Token[] {
  const tokens = argumentAt(code, from).map((at) => code[at]!);
  return isSymbol(code[from + tokens.length], ';') ? tokens : [];
}

/** A plain string's value (`"…"` with no interpolation). */
function plainString(tokens: readonly Token[]): string | undefined {
  const [open, text, close] = tokens;
  if (
    tokens.length !== 3 ||
    open?.kind !== 'stringOpen' ||
    text?.kind !== 'stringText' ||
    close?.kind !== 'stringClose'
  )
    return undefined;
  return stringValue(text);
}

/** A relative path literal with nothing interpolated, from the repository's root; undefined otherwise. */
export function plainPath(file: string, tokens: readonly Token[]): string | undefined {
  const [token] = tokens;
  if (tokens.length !== 1 || token?.kind !== 'path' || token.interpolated === true || token.text.startsWith('/'))
    return undefined;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), token.text)).replace(/\/$/, '');
  if (resolved === '..' || resolved.startsWith('../')) return undefined;
  return resolved === '.' ? '' : resolved;
}

/** Each application of the `path` builtin to an attribute set that fixes a hash, in a file's code. */
export function hashedPaths(file: string, text: string, code: readonly Token[]): HashedPath[] {
  const at = placeIn(file, text);
  const found: HashedPath[] = [];
  code.forEach((token, index) => {
    if (token.kind !== 'identifier' || builtinName(token) !== 'path' || !isSymbol(code[index + 1], '{')) return;
    const group = argumentAt(code, index + 1);
    const bound = new Map<string, Token[]>();
    let hashed = false;
    for (const inner of setIdentifiers(code, group)) {
      const here = code[inner]!;
      if (insideInherit(code, inner)) {
        // `inherit sha256;`: a hash whose value the text does not show.
        if (here.text === 'sha256') hashed = true;
        bound.set(here.text, []);
      } else if (isSymbol(code[inner + 1], '=')) {
        // `sha256` only: `builtins.path` refuses any other argument naming a hash (2.8 and 2.26).
        if (here.text === 'sha256') hashed = true;
        bound.set(here.text, valueAt(code, inner + 2));
      }
    }
    if (!hashed) return;
    const place = { at: at(token.start), column: token.start - text.lastIndexOf('\n', token.start - 1) };
    const copied = plainPath(file, bound.get('path') ?? []);
    const hash = plainString(bound.get('sha256') ?? []);
    const recursive =
      bound
        .get('recursive')
        ?.map((one) => one.text)
        .join(' ') ?? 'true';
    const plain = !bound.has('filter');
    if (copied === undefined || hash === undefined || !plain || !['true', 'false'].includes(recursive)) {
      found.push(place);
      return;
    }
    found.push({ ...place, checkable: { path: copied, hash, recursive: recursive === 'true' } });
  });
  return found;
}
