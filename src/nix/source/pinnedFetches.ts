import { stringValue, type Token } from './lexer.js';
import { argumentAt, bindings, builtinName, collectPattern, inherits, isSymbol, setIdentifiers } from './syntax.js';
import { placeIn } from './moving.js';
import { plainPath } from './hashedPaths.js';

/**
 * `builtins.fetchTarball { url = "…"; sha256 = "…"; }` (or `builtins.fetchurl`) written out: Nix
 * 2.8 and 2.26 return the sha256's store path unfetched when the store holds it, so a url bumped
 * with its sha256 kept evaluates here with the old content, where CI's empty store downloads the
 * url and fails (`hash mismatch`). The pin file's own fetch is checked as this is (pinHash.ts).
 * The url and sha256 may be built from strings the file binds once (`let rev = "…"; in
 * …/${rev}.tar.gz`, `inherit url sha256;`): the usual pin; or read from a JSON file of the
 * repository (`pin = builtins.fromJSON (builtins.readFile ./pin.json)`, `inherit (pin) url
 * sha256;`), which the engine reads (WrittenFetch). Nix does not log a fetch its store answers
 * (2.8 and 2.26 at -vvvvv, measured), so the text is all there is to read.
 */
export interface PinnedFetch {
  /** `tarball`: unpacked (fetchTarball); `file`: the bytes (builtins.fetchurl). */
  kind: 'tarball' | 'file';
  url: string;
  sha256: string;
  /** `file:line` */
  at: string;
  column: number;
}

/** A value of a JSON file of the repository (`builtins.fromJSON (builtins.readFile ./pin.json)`): its path and keys. */
export interface JsonValue {
  json: string;
  keys: string[];
}

/** A fetch as the text gives it: its url and sha256 written, or in a JSON file the engine reads. */
export type WrittenFetch = Omit<PinnedFetch, 'url' | 'sha256'> & {
  url: string | JsonValue;
  sha256: string | JsonValue;
};

/** A pinned fetch (a sha256 given) whose url or sha256 the text does not settle: left unverified, and said so. */
export interface ComputedFetch {
  kind: PinnedFetch['kind'];
  /** `file:line` */
  at: string;
}

/** How deep a name may lead to another before the value is called unknown. */
const MAX_DEPTH = 8;

/**
 * The names the file binds once to a value with `=` (a single name, not `a.b =`), and that nothing
 * else declares: a lambda's parameter, a pattern's name (a caller may pass another), `inherit (e)`,
 * a second binding in another scope. Over-strict on purpose: a name not settled here is unknown.
 */
function boundOnce(code: readonly Token[]): Map<string, { from: number; to: number }> {
  const once = new Map<string, { from: number; to: number }>();
  const declared = new Set<string>();
  for (const binding of bindings(code)) {
    const name = binding.names.at(-1)!;
    const single = binding.names.length === 1 && isSymbol(code[binding.from - 1], '=');
    if (!single || once.has(name)) declared.add(name);
    else once.set(name, binding);
  }
  code.forEach((token, index) => {
    if (token.kind === 'identifier' && isSymbol(code[index + 1], ':', '@')) declared.add(token.text);
    if (isSymbol(token, '}') && isSymbol(code[index + 1], ':', '@')) collectPattern(code, index, declared);
  });
  // `inherit (e) name;` binds another value; `inherit name;` the same name's from the scope around.
  for (const { names, from } of inherits(code)) for (const name of from ? names : []) declared.add(name);
  for (const name of declared) once.delete(name);
  return once;
}

type Value = string | JsonValue;

/** How a JSON file of the repository is read into a value, its path literal written `<path>`. */
const READS_JSON = [
  /^(?:builtins \. fromJSON|__fromJSON) \( (?:builtins \. readFile|__readFile) <path> \)$/,
  /^(?:lib \. )?importJSON <path>$/,
];

/** `builtins.fromJSON (builtins.readFile ./x.json)` (or `lib.importJSON ./x.json`) from `from` to `to`: the file. */
function jsonFile(file: string, code: readonly Token[], from: number, to: number): string | undefined {
  const tokens = code.slice(from, to);
  const written = tokens.map((token) => (token.kind === 'path' ? '<path>' : token.text)).join(' ');
  const literal = tokens.find((token) => token.kind === 'path');
  return literal !== undefined && READS_JSON.some((read) => read.test(written))
    ? plainPath(file, [literal])
    : undefined;
}

/** Resolves values from their tokens: strings, names bound once, `+` of them, and a JSON file's values. */
function resolver(file: string, code: readonly Token[]) {
  const once = boundOnce(code);
  const name = (text: string, depth: number): Value | undefined => {
    const binding = once.get(text);
    if (binding === undefined || depth > MAX_DEPTH) return undefined;
    const json = jsonFile(file, code, binding.from, binding.to);
    return json !== undefined ? { json, keys: [] } : value(binding.from, binding.to, depth + 1);
  };
  /** A name and the attributes selected of it (`pins.nixpkgs.url`): a JSON file's value, when it is one. */
  const selected = (at: number, depth: number): { value: Value; next: number } | undefined => {
    const keys: string[] = [];
    let next = at + 1;
    for (; isSymbol(code[next], '.') && code[next + 1]?.kind === 'identifier'; next += 2)
      keys.push(code[next + 1]!.text);
    if (isSymbol(code[next], '.')) return undefined;
    const got = name(code[at]!.text, depth);
    if (got === undefined || (keys.length > 0 && typeof got === 'string')) return undefined;
    return { value: typeof got === 'string' ? got : { json: got.json, keys: [...got.keys, ...keys] }, next };
  };
  /** One operand from `at`: its value and where the next token is. */
  const operand = (at: number, depth: number): { value: Value; next: number } | undefined => {
    const token = code[at];
    if (token?.kind === 'uri') return { value: token.text, next: at + 1 };
    if (token?.kind === 'identifier') return selected(at, depth);
    if (token?.kind !== 'stringOpen' || token.indented === true) return undefined;
    let text = '';
    for (let index = at + 1; index < code.length; index++) {
      const part = code[index]!;
      if (part.kind === 'stringClose') return { value: text, next: index + 1 };
      if (part.kind === 'stringText') text += stringValue(part);
      else if (
        part.kind === 'interpolation' &&
        code[index + 1]?.kind === 'identifier' &&
        isSymbol(code[index + 2], '}')
      ) {
        const got = name(code[index + 1]!.text, depth);
        if (typeof got !== 'string') return undefined;
        text += got;
        index += 2;
      } else return undefined;
    }
    return undefined;
  };
  /** The value of the tokens `from`…`to` (exclusive), when the text settles it: a JSON value only whole. */
  const value = (from: number, to: number, depth = 0): Value | undefined => {
    let text = '';
    for (let at = from; ;) {
      const got = operand(at, depth);
      if (got === undefined) return undefined;
      if (typeof got.value !== 'string') return at === from && got.next === to ? got.value : undefined;
      text += got.value;
      if (got.next === to) return text;
      if (!isSymbol(code[got.next], '+')) return undefined;
      at = got.next + 1;
    }
  };
  return { value, name: (text: string) => name(text, 0) };
}

/** The fetches of a file's code with a sha256: those whose url and sha256 the text settles, and the others. */
export function pinnedFetches(
  file: string,
  text: string,
  code: readonly Token[],
): { fetches: WrittenFetch[]; computedFetches: ComputedFetch[] } {
  const at = placeIn(file, text);
  const fetches: WrittenFetch[] = [];
  const computed: ComputedFetch[] = [];
  const resolve = resolver(file, code);
  const ends = new Map(bindings(code).map((binding) => [binding.from, binding.to]));
  code.forEach((token, index) => {
    if (token.kind !== 'identifier' || !isSymbol(code[index + 1], '{')) return;
    const name = builtinName(token);
    // `fetchurl` alone is nixpkgs' (a derivation, fetched when built): only the builtin is fetched now.
    const qualified =
      token.text.startsWith('__') || (isSymbol(code[index - 1], '.') && code[index - 2]?.text === 'builtins');
    const kind = name === 'fetchTarball' ? 'tarball' : name === 'fetchurl' && qualified ? 'file' : undefined;
    if (kind === undefined) return;
    const values = new Map<string, Value | undefined>();
    for (const inner of setIdentifiers(code, argumentAt(code, index + 1))) {
      const key = code[inner]!.text;
      if (isSymbol(code[inner + 1], '=')) values.set(key, resolve.value(inner + 2, ends.get(inner + 2) ?? inner + 2));
      if (key !== 'inherit') continue;
      // `inherit url sha256;` from the scope around; `inherit (pin) url sha256;` from another value.
      const from = isSymbol(code[inner + 1], '(');
      let after = from ? argumentAt(code, inner + 1).at(-1)! + 1 : inner + 1;
      const source = from ? resolve.value(inner + 2, argumentAt(code, inner + 1).at(-1)!) : undefined;
      for (; code[after]?.kind === 'identifier'; after++) {
        const key = code[after]!.text;
        const json = typeof source === 'object' ? { json: source.json, keys: [...source.keys, key] } : undefined;
        values.set(key, from ? json : resolve.name(key));
      }
    }
    if (!values.has('sha256')) return;
    const place: ComputedFetch = { kind, at: at(token.start) };
    const [url, sha256] = [values.get('url'), values.get('sha256')];
    if (url === undefined || sha256 === undefined) {
      computed.push(place);
      return;
    }
    fetches.push({ ...place, url, sha256, column: token.start - text.lastIndexOf('\n', token.start - 1) });
  });
  return { fetches, computedFetches: computed };
}
