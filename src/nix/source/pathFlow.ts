import { stringValue, type Token } from './lexer.js';
import { TO_STRING, harmlessLocation, staysUnder, toStringAliases } from './locations.js';
import { locatingConstructs, type Locating } from './locating.js';
import {
  applied,
  argumentAt,
  bindings,
  builtinName,
  chainStart,
  collectPattern,
  inherits,
  insideInherit,
  isArgumentPosition,
  isLambda,
  isSymbol,
  opens,
  operandBefore,
  outerReads,
  readAt,
  withOfOther,
} from './syntax.js';

/**
 * Where a path value goes in one file, as far as reading it can follow: a path literal carried
 * through a name (`let s = ./settings; in …`), an attribute (`{ d = ./x; }.d`), a list
 * (`elemAt [ ./a ] 0`) or parentheses, then extended with `+` by anything but a plain string that
 * stays under it (`s + ".json"` is `./settings.json`, a file no literal names; `s + "/." + "./x"`
 * leaves it) or turned into a string (`toString`). A function's parameter may receive a path
 * from any file: adding anything but a number to one (`p + ext`, `dir: ext: dir + ext`), or
 * starting a string with its location (`"${toString p}.json"`), is noted, and counts once some
 * file of the closure passes a path on (inputs.ts). A fold's accumulator that starts as a number
 * or a string, and `genList`'s index, never hold a path.
 */
export interface PathFlow {
  /** A path value extended where the reader cannot follow it: why every file counts. */
  extended?: string;
  /** A function parameter extended (`p: p + ".json"`): a reach if a path may be passed to it. */
  extendsParameter?: string;
  /** A location kept inside a string (`"v${toString p}"`): a reach where a string is cut. */
  locationInText?: string;
  /** A path literal, or a name carrying one, used where a function may receive it. */
  passesPath: boolean;
  /** Names bound to a value that carries a path literal (for `toString name`). */
  carriers: Set<string>;
  /** What can observe where the checkout lies (locating.ts). */
  locating: Locating;
}

const isRelativePath = (token: Token | undefined) =>
  (token?.kind === 'path' && !token.text.startsWith('/')) || token?.kind === 'homePath';

/** Any path literal, `/.` included: a value that can be extended into a file's name. */
const isPathLiteral = (token: Token | undefined) => token?.kind === 'path' || token?.kind === 'homePath';

/**
 * The text a chain `+ "…" + "…"` that starts at `at` (just after a `+`) adds, when every operand
 * is a plain string (no interpolation); undefined when any is not.
 */
function addedText(tokens: readonly Token[], at: number): string | undefined {
  let text = '';
  let index = at;
  for (;;) {
    if (tokens[index]?.kind !== 'stringOpen') return undefined;
    index++;
    while (tokens[index]?.kind === 'stringText') text += stringValue(tokens[index++]!);
    if (tokens[index]?.kind !== 'stringClose') return undefined;
    index++;
    if (!isSymbol(tokens[index], '+')) return text;
    index++;
  }
}

/** Builtins that read a file or directory. */
const READERS = new Set(['readFile', 'pathExists', 'readDir', 'readFileType', 'import', 'scopedImport']);

/**
 * The token positions of source filters' code: the value of a `filter` attribute
 * (`builtins.path`, `lib.cleanSourceWith`) and `filterSource`'s first argument.
 */
function sourceFilters(
  tokens: readonly Token[],
  bound: ReadonlyArray<{ names: string[]; from: number; to: number }>,
): number[][] {
  const found: number[][] = [];
  for (const { names, from, to } of bound)
    if (names[0] === 'filter') found.push(Array.from({ length: to - from }, (_, offset) => from + offset));
  tokens.forEach((token, index) => {
    if (token.kind === 'identifier' && builtinName(token) === 'filterSource') found.push(argumentAt(tokens, index + 1));
  });
  return found.filter((code) => code.length > 0);
}

/** A lambda's parameters: `p:`, `{ a, b ? x, ... }:`, `args@{ … }:`, `{ … }@args:`. */
function parameters(tokens: readonly Token[]): { names: Set<string>; all: Set<string> } {
  const names = new Set<string>();
  const neverPaths = holdsNoPath(tokens);
  const typed = new Set<string>();
  const untyped = new Set<string>();
  tokens.forEach((token, index) => {
    if (!isSymbol(token, ':')) return;
    const before = tokens[index - 1];
    if (before?.kind === 'identifier') {
      (neverPaths.has(index - 1) ? typed : untyped).add(before.text);
      names.add(before.text);
      if (isSymbol(tokens[index - 2], '@') && isSymbol(tokens[index - 3], '}'))
        collectPattern(tokens, index - 3, untyped);
      return;
    }
    if (isSymbol(before, '}')) collectPattern(tokens, index - 1, untyped);
  });
  for (const name of untyped) names.add(name);
  const all = new Set(names);
  // A name that only ever names such a parameter holds no path; one that also names another may.
  for (const name of typed) if (!untyped.has(name)) names.delete(name);
  return { names, all };
}

/** Folds (`foldl'`, `foldl`, `foldr`, `fold`, as builtins or lib's) and their accumulator's place among the lambda's parameters. */
const FOLDS = new Map([
  ["foldl'", 0],
  ['foldl', 0],
  ['foldr', 1],
  ['fold', 1],
]);

/**
 * The token positions of parameters that can never hold a path, by what passes them: a fold's
 * accumulator that starts as a number or a string and whose lambda's body is that accumulator
 * plus something (`foldl' (acc: x: acc + x) 0`: it never becomes a path of the repository), and
 * `genList`'s index; unless the file binds a function of that name itself.
 */
function holdsNoPath(tokens: readonly Token[]): Set<number> {
  const found = new Set<number>();
  // A function of the file's own under a builtin's name (`genList = f: n: f ./x;`) is not it.
  const own = new Set(bindings(tokens).flatMap(({ names }) => names));
  const withOther = withOfOther(tokens);
  /** The position of the lambda's `place`th parameter, in `(a: b: …)` opening at `open`. */
  const parameterAt = (open: number, place: number) => {
    const at = open + 1 + 2 * place;
    for (let index = open + 1; index <= at; index += 2) {
      if (tokens[index]?.kind !== 'identifier' || !isSymbol(tokens[index + 1], ':')) return undefined;
    }
    return at;
  };
  tokens.forEach((token, index) => {
    if (token.kind !== 'identifier' || !isSymbol(tokens[index + 1], '(')) return;
    const name = builtinName(token);
    if (own.has(token.text)) return;
    // Another set's `fold` (`l.fold`, a file's own library) may be anything: only builtins' and lib's.
    if (isSymbol(tokens[index - 1], '.') ? tokens[index - 2]?.text !== 'builtins' : withOther) return;
    if (name === 'genList') {
      const at = parameterAt(index + 1, 0);
      if (at !== undefined) found.add(at);
      return;
    }
    const place = FOLDS.get(name);
    if (place === undefined) return;
    const lambda = argumentAt(tokens, index + 1);
    const initial = tokens[lambda.at(-1)! + 1];
    if (initial?.kind !== 'number' && initial?.kind !== 'stringOpen') return;
    const at = parameterAt(index + 1, place);
    if (at === undefined) return;
    // Only a body that is the accumulator plus something keeps its kind: `if acc == "" then x
    // else acc + x` can hand a path on as the next accumulator.
    let body = index + 2;
    while (isSymbol(tokens[body + 1], ':')) body += 2;
    if (tokens[body]?.text === tokens[at]!.text && isSymbol(tokens[body + 1], '+')) found.add(at);
  });
  return found;
}

/**
 * Names Nix binds before any file does: keywords, builtins in scope without `builtins.`, and the
 * names that hold nixpkgs' sets by convention. A name outside these that a file reads but never
 * binds comes from a `with` and may hold anything.
 */
const GLOBALS = new Set([
  ...['if', 'then', 'else', 'let', 'in', 'with', 'rec', 'inherit', 'assert', 'or', 'true', 'false', 'null'],
  ...['builtins', 'import', 'toString', 'map', 'throw', 'abort', 'baseNameOf', 'dirOf', 'isNull', 'removeAttrs'],
  ...['derivation', 'fetchTarball', 'fetchGit', 'fetchurl', 'placeholder', 'scopedImport', 'lib', 'pkgs'],
]);

const BASE_NAME = new Set(['baseNameOf']);

/** Functions that read a path they are given without handing it on to code of the repository. */
const CONSUMERS = new Set(['import', 'readFile', 'pathExists', 'readDir', 'path', 'fetchGit']);

/**
 * Follows the path values of one file's tokens (see PathFlow). `at` says where a token is, for
 * the message.
 */
export function pathFlow(tokens: readonly Token[], at: (token: Token) => string): PathFlow {
  // Names carrying a path: bound to a value that holds a path literal or another such name.
  const carriers = new Set<string>();
  /** A path literal at `index`, or a name carrying one. */
  const carriesPath = (index: number) =>
    isPathLiteral(tokens[index]) || (readAt(tokens, index) && carriers.has(tokens[index]!.text));
  const bound = bindings(tokens);
  for (let changed = true; changed;) {
    changed = false;
    for (const { names, from, to } of bound) {
      if (names.every((name) => carriers.has(name))) continue;
      let carries = false;
      for (let index = from; index < to && !carries; index++) {
        carries = carriesPath(index);
      }
      if (!carries) continue;
      for (const name of names) carriers.add(name);
      changed = true;
    }
  }
  const { names: parameterNames, all: lambdaNames } = parameters(tokens);
  const inherited = inherits(tokens);
  // Names the file binds itself are its own functions, whatever builtin they are named after.
  const own = new Set([
    ...bound.flatMap(({ names }) => names),
    ...inherited.filter(({ builtins }) => !builtins).flatMap(({ names }) => names),
  ]);
  // What a parameter may hold, a name may hold once it is bound to it (`let q = p;`), inherited
  // from anything (`inherit (args) dir;`, `inherit (import ./paths.nix) conf;`), or read where
  // nothing in the file binds it (`with args; dir`): all of these may hold a path from elsewhere.
  for (const { names } of inherited.filter(({ from, builtins }) => from && !builtins))
    for (const name of names) parameterNames.add(name);
  for (let changed = true; changed;) {
    changed = false;
    const sources = [...bound, ...inherited.filter(({ from }) => !from).map(({ names }) => ({ names, reads: names }))];
    for (const source of sources) {
      if (source.names.every((name) => parameterNames.has(name))) continue;
      const reads = 'reads' in source ? source.reads : outerReads(tokens, source.from, source.to);
      if (!reads.some((name) => parameterNames.has(name))) continue;
      for (const name of source.names) parameterNames.add(name);
      changed = true;
    }
  }
  const free = (position: number) =>
    readAt(tokens, position) &&
    !own.has(tokens[position]!.text) &&
    !lambdaNames.has(tokens[position]!.text) &&
    !GLOBALS.has(builtinName(tokens[position]!));
  const isParameter = (position: number) =>
    (readAt(tokens, position) && parameterNames.has(tokens[position]!.text)) || free(position);
  // A lambda's own parameter (or a name from a `with`), not a name the file binds to a value it
  // computes from one (`total = foldl' (acc: x: …) 0 xs`): where the location probe looks (locating.ts).
  const isLambdaParameter = (position: number) =>
    (readAt(tokens, position) &&
      parameterNames.has(tokens[position]!.text) &&
      lambdaNames.has(tokens[position]!.text) &&
      !own.has(tokens[position]!.text)) ||
    free(position);
  const flow: PathFlow = { passesPath: false, carriers, locating: {} };
  const withOther = withOfOther(tokens);
  // `builtins` itself, unless a parameter or the file binds that name.
  const builtinsSet = (index: number) =>
    tokens[index]?.text === 'builtins' && !own.has('builtins') && !lambdaNames.has('builtins');
  /** A builtin at `index`: its bare name (not the file's own), `__name`, or `builtins.name`. */
  const builtinAt = (index: number, names: ReadonlySet<string>) => {
    const token = tokens[index];
    if (token?.kind !== 'identifier' || !names.has(builtinName(token))) return false;
    if (isSymbol(tokens[index - 1], '.')) return builtinsSet(index - 2) && !isSymbol(tokens[index - 3], '.');
    if (own.has(token.text) || lambdaNames.has(token.text)) return false;
    return token.text.startsWith('__') || !withOther;
  };
  // A source filter that reads files (`filter = file: type: … readFile "${…}conf.json"`) chooses
  // what is copied by files no literal names.
  const filters = sourceFilters(tokens, bound);
  const reading = filters.flat().find((position) => builtinAt(position, READERS));
  if (reading !== undefined)
    flow.extended ??= `${tokens[reading]!.text} (${at(tokens[reading]!)}), a file read by a source filter`;
  // `filter = keep;`: a function defined elsewhere, which may read what it likes.
  const named = filters.find((code) => !isLambda(tokens, code[0]!));
  if (named !== undefined)
    flow.extended ??= `${tokens[named[0]!]!.text} (${at(tokens[named[0]!]!)}), a source filter defined elsewhere`;
  flow.locating = locatingConstructs(tokens, filters, (index) => isLambda(tokens, index), {
    builtinAt,
    carriesPath,
    isParameter: isLambdaParameter,
    at,
  });
  // `toString` however it is reached (`b.toString`, `(builtins).toString`, a file's own name
  // for it): every read of the name counts, and a name bound to it.
  const anyToString = (index: number) =>
    tokens[index]?.kind === 'identifier' &&
    TO_STRING.has(builtinName(tokens[index]!)) &&
    !isSymbol(tokens[index + 1], '=');
  const aliases = toStringAliases(tokens, bound, anyToString);
  const isToString = (index: number) =>
    anyToString(index) || (readAt(tokens, index) && aliases.has(tokens[index]!.text));
  tokens.forEach((token, index) => {
    // `builtins.${"to" + "String"}`, `f builtins`, `{ b = builtins; }`: any builtin, by a name the
    // reader cannot see. Only `builtins.name`, `builtins ? name`, `with builtins;` and
    // `inherit (builtins) …` are read.
    if (builtinsSet(index) && readAt(tokens, index) && !isSymbol(tokens[index - 1], '.')) {
      const kept =
        (isSymbol(tokens[index + 1], '.') && tokens[index + 2]?.kind === 'identifier') ||
        isSymbol(tokens[index + 1], '?') ||
        (tokens[index - 1]?.text === 'with' && isSymbol(tokens[index + 1], ';')) ||
        (isSymbol(tokens[index - 1], '(') && tokens[index - 2]?.text === 'inherit');
      if (!kept) flow.extended ??= `builtins (${at(token)}), a builtin reached by a name the reader cannot see`;
    }
    if (token.kind === 'path' && token.text.startsWith('/') && token.text !== '/.')
      flow.extended ??= `${token.text} (${at(token)}), an absolute path: a file of this machine, which the judged tree may not hold`;
    // `readFile "/srv/app/conf.json"`: a file of this machine, named as a string.
    if (token.kind === 'stringOpen' && tokens[index + 1]?.kind === 'stringText' && builtinAt(index - 1, CONSUMERS)) {
      if (stringValue(tokens[index + 1]!).startsWith('/'))
        flow.extended ??= `${tokens[index - 1]!.text} "${stringValue(tokens[index + 1]!)}" (${at(token)}), an absolute path: a file of this machine, which the judged tree may not hold`;
    }
    if (isRelativePath(token) || (readAt(tokens, index) && carriers.has(token.text))) {
      // Read where it stands (`readFile ./x`), not handed on with the reader (`f builtins.readFile ./x`).
      const consumed = builtinAt(index - 1, CONSUMERS) && !isArgumentPosition(tokens, chainStart(tokens, index - 1));
      if (!consumed) flow.passesPath = true;
    }
    // `getAttr "toString" builtins`: toString reached by its name in a string.
    if (token.kind === 'stringText' && TO_STRING.has(stringValue(token)))
      flow.extendsParameter ??= `"${stringValue(token)}" (${at(token)}), toString reached by its name`;
    if (isToString(index)) {
      const start = chainStart(tokens, index); // `builtins.toString`, `(builtins).toString`
      // `map toString`, `__functor = self: toString;`: handed on, it may be applied to a path.
      // `inherit (builtins) toString;`: the same name, whose every read counts. Another name
      // (`ts = toString;`) is followed in this file (aliases), but may be handed to another.
      if (insideInherit(tokens, start)) return;
      if (!applied(tokens, start, index)) {
        flow.extendsParameter ??= `${token.text} (${at(token)}), toString handed on as a function`;
        return;
      }
      // `toString (let v = ./x; in v)`: a location as a string, which can be edited into any name.
      const argument = argumentAt(tokens, index + 1);
      const carried = argument.find(carriesPath);
      // The argument as written when it is a name (`cfg.src`), else the path value in it.
      const shown = opens(tokens[index + 1])
        ? tokens[carried ?? index]!.text
        : argument.map((position) => tokens[position]!.text).join('');
      // `baseNameOf (toString p)`: the name alone, which holds nothing of where the clone lies.
      const named = isSymbol(tokens[start - 1], '(') && builtinAt(start - 2, BASE_NAME);
      if (carried !== undefined) {
        flow.extended ??= `${token.text} ${shown} (${at(token)}), a path's location as a string`;
        if (!named) flow.locating.definite ??= `${token.text} ${shown} (${at(token)}), a path's location as a string`;
      }
      // Anything else may be a path from elsewhere: its location as a string can be edited into
      // any name (`"${toString p}.json"`, `[ (toString p) ] ++ [ ".json" ]`, `replaceStrings`),
      // except where it can name no file or only one under it (harmlessLocation).
      // Only what may hold a value from elsewhere: `toString 3`, or `toString total` of a number
      // this file computes, is no location.
      if (carried === undefined && argument.some(isParameter)) {
        const name = argument.map((position) => tokens[position]!.text).join('');
        const call = `${token.text} ${name.length > 24 ? '(…)' : name} (${at(token)})`;
        // `mkApp = { src }: … hashString "sha256" (toString src)`: where the clone lies, once a path is passed.
        if (!named && argument.some(isLambdaParameter))
          flow.locating.parameter ??= `${call}, the location of a parameter that may hold a path`;
        // Where it names no file, or one under it, until a string function cuts it out (fileInputs.ts).
        if (harmlessLocation(tokens, start, argument.at(-1)!))
          flow.locationInText ??= `${call}, a location in a string that can be cut out of it`;
        else flow.extendsParameter ??= `${call}, a location as a string that can be edited into another name`;
      }
    }
    if (!isSymbol(token, '+')) return;
    const left = operandBefore(tokens, index);
    const carried = left.find(carriesPath);
    const parameter = left.find(isParameter);
    if (carried === undefined && parameter === undefined) return;
    const added = addedText(tokens, index + 1);
    if (added !== undefined && staysUnder(added)) return;
    // A parameter may hold a path: anything added to it but a number (`n + 1`) may extend one,
    // a name bound to a string (`p + ext`) as well as a string.
    if (carried === undefined && tokens[index + 1]?.kind === 'number') return;
    const what = tokens[carried ?? parameter!]!;
    if (carried !== undefined) flow.extended ??= `${what.text} (${at(what)}), a path value extended with +`;
    else flow.extendsParameter ??= `${what.text} (${at(what)}), a parameter extended with +`;
  });
  return flow;
}
