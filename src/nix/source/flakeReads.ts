import { lex, stringValue, type Token } from './lexer.js';
import { isSymbol } from './syntax.js';

/** Where a construct is in a file, and what it is. */
export interface Place {
  line: number;
  column: number;
  construct: string;
}

/**
 * What a file of a flake's own source reads of the flake itself, beyond what path literals name:
 * - `wholeTree`: the source as a whole (`self` passed on or interpolated, `self.outPath`,
 *   `self.sourceInfo`): its store path is the hash of every tracked file, so each one is an input;
 * - `commit`: the commit (`self.rev`, `shortRev`, `dirtyRev`, `revCount`, `lastModified`, …): a
 *   tag that reads it cannot be known before the commit exists.
 * Read from the tokens alone, over-approximating: `self` or the flake's inputs handed to any
 * function count as both, as what receives them may read anything of them.
 */
export interface FlakeReads {
  wholeTree?: Place | undefined;
  commit?: Place | undefined;
}

/** What a flake's source info holds about the commit. */
const COMMIT_ATTRIBUTES = new Set([
  'rev',
  'shortRev',
  'dirtyRev',
  'dirtyShortRev',
  'revCount',
  'lastModified',
  'lastModifiedDate',
]);
/** Attributes of `self` whose value is the source itself. */
const SOURCE_ATTRIBUTES = new Set(['outPath', 'sourceInfo']);

const isIdentifier = (token: Token | undefined, name?: string) =>
  token?.kind === 'identifier' && (name === undefined || token.text === name);

/** The names the flake's inputs are bound to: `inputs@{ … }`, `{ … }@inputs`, `outputs = inputs: …`. */
function inputNames(tokens: readonly Token[]): Set<string> {
  const names = new Set(['inputs']);
  tokens.forEach((token, index) => {
    if (!isSymbol(token, '@')) return;
    const before = tokens[index - 1];
    const after = tokens[index + 1];
    if (isIdentifier(before) && isSymbol(after, '{')) names.add(before!.text);
    if (isSymbol(before, '}') && isIdentifier(after)) names.add(after!.text);
  });
  tokens.forEach((token, index) => {
    if (isIdentifier(token, 'outputs') && isSymbol(tokens[index + 1], '=') && isIdentifier(tokens[index + 2])) {
      if (isSymbol(tokens[index + 3], ':')) names.add(tokens[index + 2]!.text);
    }
  });
  return names;
}

/** The attribute an `x.` or `x ?` selects at `index` (an identifier or a string), or `dynamic`. */
function selected(tokens: readonly Token[], index: number): string | 'dynamic' | undefined {
  const token = tokens[index];
  if (isIdentifier(token)) return token!.text;
  if (token?.kind === 'interpolation') return 'dynamic';
  if (token?.kind === 'stringOpen') {
    const text = tokens[index + 1];
    return text?.kind === 'stringText' && tokens[index + 2]?.kind === 'stringClose' ? stringValue(text) : 'dynamic';
  }
  return undefined;
}

/** 1-based line and column of `offset` in `text`. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    line++;
    start = at + 1;
  }
  return { line, column: offset - start + 1 };
}

type Use = 'binding' | 'safe' | 'commit' | 'source' | 'both';

/**
 * How `self` (or the inputs) at `index` is used: bound (a formal, a lambda's argument, an
 * attribute defined), selected from (by what attribute), or passed on as a value.
 */
function useOf(tokens: readonly Token[], index: number, braces: readonly string[]): { use: Use; attribute?: string } {
  const previous = tokens[index - 1];
  const next = tokens[index + 1];
  const name = tokens[index]!.text;
  if (isSymbol(previous, '@') || isSymbol(next, '@', ',', ':', '=')) return { use: 'binding' };
  if (isSymbol(next, '}') && braces.at(-1) === '{') return { use: 'binding' };
  if (isSymbol(next, '.', '?')) {
    const attribute = selected(tokens, index + 2);
    if (attribute === 'dynamic') return { use: 'both', attribute: '${…}' };
    if (isSymbol(next, '?') && attribute === undefined) return { use: 'binding' }; // a formal's default
    if (name !== 'self' || attribute === undefined) return { use: 'safe' }; // `inputs.self`: that `self` is read on its own
    if (attribute === 'sourceInfo') return { use: 'both', attribute };
    if (SOURCE_ATTRIBUTES.has(attribute)) return { use: 'source', attribute };
    if (COMMIT_ATTRIBUTES.has(attribute)) return { use: 'commit', attribute };
    return { use: 'safe' };
  }
  return { use: 'both' };
}

/** Reads one file (see FlakeReads). */
export function flakeReads(text: string): FlakeReads {
  const tokens = lex(text).filter((token) => token.kind !== 'comment');
  const names = inputNames(tokens);
  const found: FlakeReads = {};
  const note = (token: Token, kind: 'wholeTree' | 'commit', construct: string) => {
    found[kind] ??= { ...position(text, token.start), construct };
  };
  const braces: string[] = [];
  // `inherit a b;` uses its names; `inherit (source) a b;` defines them from the source.
  let inherit: 'plain' | 'source' | 'names' | undefined;
  let parens = 0;
  tokens.forEach((token, index) => {
    if (token.kind === 'interpolation') braces.push('${');
    else if (isSymbol(token, '{')) braces.push('{');
    else if (isSymbol(token, '}')) braces.pop();
    if (isIdentifier(token, 'inherit')) inherit = isSymbol(tokens[index + 1], '(') ? 'source' : 'plain';
    else if (isSymbol(token, ';')) inherit = undefined;
    else if (inherit === 'source' && isSymbol(token, '(')) parens++;
    else if (inherit === 'source' && isSymbol(token, ')') && --parens === 0) inherit = 'names';
    if (token.kind === 'stringText' && tokens[index - 1]?.kind === 'stringOpen') {
      // `getAttr "rev" self`, `self."outPath"`: a name as a string.
      const value = stringValue(token);
      if (COMMIT_ATTRIBUTES.has(value)) note(token, 'commit', `"${value}"`);
      if (value === 'self' || SOURCE_ATTRIBUTES.has(value)) {
        note(token, 'wholeTree', `"${value}"`);
        note(token, 'commit', `"${value}"`);
      }
      return;
    }
    if (token.kind !== 'identifier') return;
    const previous = tokens[index - 1];
    if (COMMIT_ATTRIBUTES.has(token.text) && (isSymbol(previous, '.', '?') || inherit === 'names')) {
      note(token, 'commit', `${inherit === 'names' ? 'inherit ' : previous!.text === '?' ? '? ' : '.'}${token.text}`);
    }
    if (inherit === 'names' && SOURCE_ATTRIBUTES.has(token.text)) note(token, 'wholeTree', `inherit ${token.text}`);
    const isSelf = token.text === 'self';
    if (!isSelf && !(names.has(token.text) && !isSymbol(previous, '.'))) return;
    if (inherit === 'names') return; // defined here, read where it is used
    // `inherit (self) rev;`: a selection, whose names are read above.
    if (inherit === 'source' && isSymbol(previous, '(') && isSymbol(tokens[index + 1], ')')) return;
    const { use, attribute } =
      inherit === 'plain' ? { use: 'both' as const, attribute: undefined } : useOf(tokens, index, braces);
    const construct = isSelf
      ? attribute === undefined
        ? 'self'
        : `self.${attribute}`
      : `${token.text} (the flake's inputs, self among them)`;
    if (use === 'source' || use === 'both') note(token, 'wholeTree', construct);
    if (use === 'commit' || use === 'both') note(token, 'commit', construct);
  });
  return found;
}
