import { stringValue, type Token } from './lexer.js';
import { argumentAt, bindings, builtinName, insideInherit, isSymbol, setIdentifiers } from './syntax.js';

/**
 * Fetches whose content is whatever the URL serves when Nix asks: `builtins.fetchTarball url`,
 * `fetchurl` without a hash, `fetchGit` of a remote without `rev`, `fetchTree` without `narHash` or
 * `rev`. Nix keeps the answer (the tarball cache, `tarball-ttl`; the evaluation cache keeps its
 * tag), a CI container has neither and gets what upstream serves then: no tag computed here can be
 * trusted to be CI's. A pinned fetch names its content and stays judged.
 */
const FETCHERS = new Set(['fetchTarball', 'fetchurl', 'fetchGit', 'fetchTree', 'fetchMercurial']);

/** The attributes that pin a fetch's content (a hash of it, or a commit). */
const PINS = new Set(['sha256', 'hash', 'narHash', 'rev', 'outputHash']);

/** A string that names a place of the repository or the machine, not a URL: `./x`, `/x`, `${./x}`. */
const LOCAL = /^(?:\/|\.|~)/;

/** `localRef`: the repository's own files by branch (`fetchGit { url = ./.; ref = "main"; }`), no rev. */
type Verdict = 'pinned' | 'local' | 'localRef' | 'unpinned';

/** What the value starting at `at` fetches, as far as the text says; what it cannot say is unpinned. */
function fetched(code: readonly Token[], at: number, formals: ReadonlyMap<string, boolean>): Verdict {
  let index = at;
  while (isSymbol(code[index], '(')) index++;
  const token = code[index];
  if (token === undefined) return 'unpinned';
  if (token.kind === 'path' || token.kind === 'homePath') return 'local';
  if (token.kind === 'stringOpen') {
    const next = code[index + 1];
    if (next?.kind === 'interpolation') return 'local';
    return next?.kind === 'stringText' && LOCAL.test(stringValue(next)) ? 'local' : 'unpinned';
  }
  if (token.kind === 'identifier' && !isSymbol(code[index + 1], '.')) {
    // A name bound to an attribute set that pins (`pin = { url = …; sha256 = …; };`, `{ url, sha256 }@args`).
    return formals.get(token.text) === true ? 'pinned' : 'unpinned';
  }
  if (!isSymbol(token, '{')) return 'unpinned';
  const group = argumentAt(code, index);
  let local = false;
  let byRef = false;
  for (const at of setIdentifiers(code, group)) {
    const inner = code[at]!;
    const binds = isSymbol(code[at + 1], '=') || insideInherit(code, at);
    if (binds && PINS.has(inner.text)) return 'pinned';
    if (binds && inner.text === 'ref') byRef = true;
    if (isSymbol(code[at + 1], '=') && ['url', 'path'].includes(inner.text)) {
      local = fetched(code, at + 2, formals) === 'local';
    }
  }
  return local ? (byRef ? 'localRef' : 'local') : 'unpinned';
}

/** Names bound to an attribute set that holds a pin: `x = { …sha256 = …; };` or `{ …, sha256 }@x`. */
function pinnedNames(code: readonly Token[]): Map<string, boolean> {
  const names = new Map<string, boolean>();
  for (const {
    names: [name],
    from,
    to,
  } of bindings(code)) {
    if (name === undefined || !isSymbol(code[from], '{')) continue;
    const pins = code
      .slice(from, to)
      .some((token, at) => token.kind === 'identifier' && PINS.has(token.text) && isSymbol(code[from + at + 1], '='));
    names.set(name, (names.get(name) ?? true) && pins);
  }
  code.forEach((token, index) => {
    // `{ url, sha256 }@args` (a pattern whose `@` names the whole set): a required pin.
    if (!isSymbol(token, '@') || code[index + 1]?.kind !== 'identifier' || !isSymbol(code[index - 1], '}')) return;
    let at = index - 1;
    let pins = false;
    for (; at >= 0 && !isSymbol(code[at], '{'); at--) {
      if (code[at]!.kind === 'identifier' && PINS.has(code[at]!.text) && !isSymbol(code[at + 1], '?')) pins = true;
    }
    names.set(code[index + 1]!.text, (names.get(code[index + 1]!.text) ?? true) && pins);
  });
  return names;
}

const KEYWORDS = new Set(['in', 'then', 'else', 'if', 'let', 'with', 'assert', 'or', 'rec', 'inherit']);
const isKeyword = (token: Token | undefined) => token?.kind === 'identifier' && KEYWORDS.has(token.text);

/**
 * Each fetch in `code` whose content is not pinned: the fetcher's name and where it stands;
 * `byRef` for a fetch of the repository's own files by branch, whose commit is whatever that
 * branch is in the clone that evaluates (CI's may have none).
 */
export function unpinnedFetches(code: readonly Token[]): Array<{ name: string; start: number; byRef?: true }> {
  const formals = pinnedNames(code);
  const found: Array<{ name: string; start: number; byRef?: true }> = [];
  code.forEach((token, index) => {
    if (token.kind !== 'identifier' || !FETCHERS.has(builtinName(token))) return;
    // A binding's own name (`fetchurl = …;`, `inherit (builtins) fetchTarball;`) fetches nothing.
    if (isSymbol(code[index + 1], '=', '?') || insideInherit(code, index)) return;
    const next = code[index + 1];
    const argument =
      next !== undefined &&
      (['identifier', 'path', 'homePath', 'stringOpen', 'uri'].includes(next.kind) || isSymbol(next, '(', '{', '['));
    if (!argument || isKeyword(next)) {
      // Not applied here: handed on (`f = builtins.fetchTarball;`) unless a parameter's name (`{ fetchurl }:`).
      if ((isSymbol(code[index - 1], '.') && code[index - 2]?.text === 'builtins') || token.text.startsWith('__'))
        found.push({ name: builtinName(token), start: token.start });
      return;
    }
    const verdict = fetched(code, index + 1, formals);
    if (verdict === 'unpinned') found.push({ name: builtinName(token), start: token.start });
    if (verdict === 'localRef') found.push({ name: builtinName(token), start: token.start, byRef: true });
  });
  return found;
}
