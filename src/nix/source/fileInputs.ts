import path from 'node:path';
import { messages } from '../../messages.js';
import { computedReach, locationString, namesOfPaths } from './constructs.js';
import { lex, stringValue, type Token } from './lexer.js';
import { builtinName, isSymbol } from './syntax.js';
import { floatLiteral, movingConstruct, placeIn, versionRead, type Moving } from './moving.js';
import { confinedAnswers, type ConfinedAnswer } from './confinedAnswers.js';
import { gitDirectoryRead, type GitRead } from './gitReads.js';
import { isNivSources } from './generated.js';
import { hashedPaths, type HashedPath } from './hashedPaths.js';
import { pathCopies, type PathCopy } from './pathCopies.js';
import { pinnedFetches, type ComputedFetch, type WrittenFetch } from './pinnedFetches.js';
import { pathFlow, type PathFlow } from './pathFlow.js';
import type { Locating } from './locating.js';

/**
 * The inputs one Nix file names: its own path and its path literals, or why none can be trusted;
 * and whether it reads what moves a tag with no change to the files (the time, the environment).
 */
export interface FileInputs {
  paths: string[];
  untrackable?: string;
  moving?: Moving | undefined;
  /** A question whose answer confinement may change (`pathExists /bin/bash`), outside ones first. */
  confined?: ConfinedAnswer | undefined;
  /** A read of the evaluating Nix's version (`builtins.nixVersion`): moving unless the local Nix is CI's. */
  readsVersion?: Moving | undefined;
  /** A float literal: its JSON differs between Nix versions, moving unless the local Nix is CI's (`nixVersion`). */
  readsFloat?: Moving | undefined;
  /** Path literals whose value may be copied to the store (pathCopies.ts). */
  copies?: PathCopy[] | undefined;
  /** `builtins.path` under a fixed hash, which a store holding it answers unread (hashedPaths.ts). */
  hashed?: HashedPath[] | undefined;
  /** Fetches written out with a url and sha256, which a store holding the hash answers unfetched (pinnedFetches.ts). */
  fetches?: WrittenFetch[] | undefined;
  /** Fetches with a sha256 whose url or sha256 the text does not settle: not verified, and said so. */
  computedFetches?: ComputedFetch[] | undefined;
  /** A read of a file of `.git`, whose bytes are the clone's (gitReads.ts). */
  readsGit?: GitRead | undefined;
  /** A function parameter extended with `+`: a reach once a path may be passed to it (inputs.ts). */
  extendsParameter?: string | undefined;
  /** A path value is handed on where a function of the repository may receive it. */
  passesPath?: boolean;
  /** A path literal with a name interpolated (`./services/${name}`): a reach if `..` can be built. */
  interpolatesPath?: string | undefined;
  /** The file can build a `..` no string spells (`"." + "."`, text read or decoded). */
  buildsParent?: boolean;
  /** A location inside a string (`"v${toString p}"`): a reach where a file cuts text (cutsText). */
  locationInText?: string | undefined;
  /** The file cuts or reads text (CUTS_TEXT). */
  cutsText?: boolean;
  /** What can observe where the checkout lies (locating.ts), as `file (line n), construct`. */
  locating?: Locating | undefined;
}

/**
 * Builtins and nixpkgs functions that cut, read, decode or rebuild text: what they return may be
 * a `..` or a location cut out of a string, which no literal spells.
 */
const CUTS_TEXT = new Set([
  ...['readFile', 'fromJSON', 'fromTOML', 'importJSON', 'importTOML', 'parseDrvName', 'splitVersion'],
  ...['substring', 'replaceStrings', 'split', 'match', 'baseNameOf', 'dirOf', 'concatMapStrings'],
  ...['removePrefix', 'removeSuffix', 'splitString', 'stringToCharacters', 'strings', 'versions'],
]);

/** Whether the file uses one of CUTS_TEXT (as a builtin, selected, or by `__name`). */
const cutsText = (code: readonly Token[]) =>
  code.some((token) => token.kind === 'identifier' && CUTS_TEXT.has(builtinName(token)));

/**
 * Whether a string built at run time can be `..`, which no string spells (those are caught
 * whole): any string with a dot in it or a number with one (`"a/."`, `1.5`), or text cut or read.
 */
function buildsParent(values: ReadonlyArray<{ value: string }>, code: readonly Token[], cuts: boolean): boolean {
  if (cuts || values.some(({ value }) => value.includes('.'))) return true;
  return code.some((token) => token.kind === 'number' && token.text.includes('.'));
}

/**
 * The first path literal whose interpolation is not a name or an attribute path (`./s/${f x}`):
 * its value may climb out with `..`. And the first one that interpolates at all.
 */
function interpolatedPaths(code: readonly Token[]): { computed?: Token; first?: Token } {
  const found: { computed?: Token; first?: Token } = {};
  code.forEach((token, index) => {
    if (token.kind !== 'path' || token.interpolated !== true) return;
    found.first ??= token;
    const end = token.pathEnd ?? token.end;
    for (let at = index + 1; at < code.length && code[at]!.start < end; at++) {
      if (code[at]!.kind !== 'interpolation') continue;
      let next = at + 1;
      while (code[next]?.kind === 'identifier' && isSymbol(code[next + 1], '.')) next += 2;
      const plain = code[next]?.kind === 'identifier' && isSymbol(code[next + 1], '}');
      if (!plain) found.computed ??= token;
    }
  });
  return found;
}

/** `..` that is not part of `...` (a function's formals). */
const PARENT = /(?<!\.)\.\.(?!\.)/;

/** `text` with the relative path literals among `tokens` blanked: those are resolved, not escaped. */
function withoutRelativePaths(text: string, tokens: readonly Token[]): string {
  let rest = '';
  let at = 0;
  for (const token of tokens) {
    if (token.kind !== 'path' || token.text.startsWith('/')) continue;
    rest += `${text.slice(at, token.start)} `;
    at = token.end;
  }
  return rest + text.slice(at);
}

/**
 * `toFile` can write a string as code that the file then imports (`import (builtins.toFile "f.nix"
 * "p: …")`): before an evaluation names the store file, each string of such a file is read as
 * code too, its extensions found where the string stands.
 */
function withWrittenCode(
  flow: PathFlow,
  code: readonly Token[],
  values: ReadonlyArray<{ value: string; start: number }>,
  line: (token: { start: number }) => string,
): PathFlow {
  if (!code.some((token) => token.kind === 'identifier' && builtinName(token) === 'toFile')) return flow;
  const found = { ...flow };
  for (const { value, start } of values) {
    const written = pathFlow(lex(value), () => line({ start }));
    found.extended ??= written.extended;
    found.extendsParameter ??= written.extendsParameter;
    found.locationInText ??= written.locationInText;
    found.passesPath ||= written.passesPath;
    found.locating = {
      definite: found.locating.definite ?? written.locating.definite,
      parameter: found.locating.parameter ?? written.locating.parameter,
    };
  }
  return found;
}

/** Tokens and the text they were read from. */
interface Reading {
  tokens: Token[];
  source: string;
}

/**
 * The file read by the lexer (lexer.ts) three ways; a construct found in any counts:
 * - as Nix reads it, comments left out (`toString /* … *\/ ./x` is one call);
 * - as words, every comment, string and URI read as if it were code: a string can name a builtin
 *   (`getAttr "dirOf" builtins`) or a path, and a word in a comment only adds an input or makes
 *   every file count;
 * - the strings' values, their escapes decoded (`"\d\i\rOf"` is `dirOf`), as words too.
 * `strings`: the text and the value of each string and URI.
 */
function read(text: string): {
  readings: Reading[];
  strings: string[];
  values: Array<{ value: string; start: number }>;
} {
  const code = lex(text);
  const literals = code.filter((token) => token.kind === 'stringText' || token.kind === 'uri');
  const values = literals.map((token) => (token.kind === 'stringText' ? stringValue(token) : token.text));
  const decoded = values.filter((value, index) => value !== literals[index]!.text).join('\n');
  return {
    readings: [
      { tokens: code.filter((token) => token.kind !== 'comment'), source: text },
      { tokens: lex(text, 'words'), source: text },
      { tokens: lex(decoded, 'words'), source: decoded },
    ],
    strings: [...literals.map((token) => token.text), ...values],
    values: values.map((value, index) => ({ value, start: literals[index]!.start })),
  };
}

/**
 * Why the file's path literals cannot be trusted to name what it reads, if they cannot. A
 * string's text (or a URI's) can be appended to a path (`d + "/../x"`), so any `..` in it, even
 * in a path-like word, leaves the directory a literal names; elsewhere, `..` outside a path
 * literal does (a comment's `../x` is resolved as the literal it would be).
 */
function untrackable(text: string, { readings, strings }: ReturnType<typeof read>, flow: PathFlow): string | undefined {
  for (const { tokens, source } of readings) {
    const construct = computedReach(tokens, source);
    if (construct !== undefined) return construct;
  }
  if (flow.extended !== undefined) return flow.extended;
  const bound = new Set([...readings.flatMap(({ tokens }) => [...namesOfPaths(tokens)]), ...flow.carriers]);
  for (const { tokens } of readings) {
    const location = locationString(tokens, bound);
    if (location !== undefined) return `${location} (a location as a string)`;
  }
  const words = readings[1]!.tokens;
  if (strings.some((value) => PARENT.test(value)) || PARENT.test(withoutRelativePaths(text, words))) {
    return '`..` outside a path literal';
  }
  return undefined;
}

/**
 * Reaches that take two facts, maybe from two files of one closure: what makes each possible, and
 * the reach it makes count (the first found is the one named).
 */
const ACROSS = [
  // A parameter extended in one file reaches what a path another file hands on names beside it.
  ['passesPath', 'extendsParameter'],
  // A name interpolated into a path in one file may be a `..` another file builds.
  ['buildsParent', 'interpolatesPath'],
  // A location kept inside a string in one file may be cut out of it in another.
  ['cutsText', 'locationInText'],
] as const;

/** The files of one closure, added one by one: a reach across them, once both its facts are seen. */
export class ClosureReach {
  private readonly enabled = new Set<string>();
  private readonly reaches = new Map<string, string>();

  /** Adds one file's findings; returns the reach that now counts, with the finding that names it. */
  add(found: FileInputs): { reach: string; kind: (typeof ACROSS)[number][1] } | undefined {
    for (const [enabler, kind] of ACROSS) {
      if (found[enabler] === true) this.enabled.add(enabler);
      const reach = found[kind];
      if (reach !== undefined && !this.reaches.has(kind)) this.reaches.set(kind, reach);
      if (this.enabled.has(enabler) && this.reaches.has(kind)) return { reach: this.reaches.get(kind)!, kind };
    }
    return undefined;
  }
}

/**
 * What moves a tag in a Nix file fetched to the store (storeCode.ts), `file` its absolute path:
 * the time or the environment read, as in the repository's files. Its own fetches are left out:
 * their pins are read from the text (fetches.ts), which misreads libraries that pass a hash
 * computed at run time (flake-compat's `sha256 = info.narHash`).
 */
export function fetchedMoving(file: string, text: string): Moving | undefined {
  const reading = read(text);
  return movingConstruct(file, text, reading.readings[0]!.tokens, reading.values, false);
}

/**
 * The inputs `text`, the file `relativeFile` of the repository, names: every relative path
 * literal (a file, or a whole directory), in its code, strings or comments; the directory before
 * an interpolation in one (`./services/${name}`: anything under `./services`).
 */
export function fileInputs(relativeFile: string, text: string): FileInputs {
  const reading = read(text);
  const code = reading.readings[0]!.tokens;
  // niv's own sources.nix reads the environment and nixVersion only where the answer is settled.
  const niv = isNivSources(text);
  const moving = niv ? undefined : movingConstruct(relativeFile, text, code, reading.values);
  const confined = confinedAnswers(relativeFile, text, code, reading.values)[0];
  const readsGit = gitDirectoryRead(relativeFile, text, code);
  const copies = pathCopies(relativeFile, text, code);
  const hashed = hashedPaths(relativeFile, text, code);
  const fetched = pinnedFetches(relativeFile, text, code);
  const readsVersion = niv ? undefined : versionRead(placeIn(relativeFile, text), code, reading.values);
  const readsFloat = floatLiteral(placeIn(relativeFile, text), code);
  const line = (token: { start: number }) => `line ${text.slice(0, token.start).split('\n').length}`;
  const flow = withWrittenCode(pathFlow(code, line), code, reading.values, line);
  const inFile = (construct: string | undefined) =>
    construct === undefined ? undefined : `${relativeFile}: ${construct}`;
  const locating = { definite: inFile(flow.locating.definite), parameter: inFile(flow.locating.parameter) };
  // What the file does besides naming inputs: kept whether or not its inputs can be trusted.
  // Kept for an untrackable file too: a path it hands on makes another file's parameter a location.
  const does = {
    moving,
    confined,
    readsGit,
    readsVersion,
    readsFloat,
    copies,
    hashed,
    ...fetched,
    locating,
    passesPath: flow.passesPath,
  };
  const interpolated = interpolatedPaths(code);
  const construct =
    untrackable(text, reading, flow) ??
    (interpolated.computed &&
      `${interpolated.computed.text}\${…} (${line(interpolated.computed)}), a path's name computed where \`..\` can climb out of it`);
  if (construct !== undefined)
    return {
      paths: [],
      untrackable: messages.untrackableInput(relativeFile, construct),
      ...does,
    };
  const extendsParameter =
    flow.extendsParameter === undefined
      ? undefined
      : messages.untrackableInput(relativeFile, `${flow.extendsParameter}, to which a path may be passed`);
  const directory = path.posix.dirname(relativeFile);
  const paths = new Set([relativeFile]);
  for (const { tokens } of reading.readings) {
    for (const token of tokens) {
      if (token.kind !== 'path' || token.text.startsWith('/')) continue;
      let literal = token.text;
      // `./services/${name}`: any name under the directory before the interpolation.
      if (token.interpolated === true) literal = literal.slice(0, literal.lastIndexOf('/') + 1) || '.';
      const resolved = path.posix.normalize(path.posix.join(directory, literal)).replace(/\/$/, '');
      // Outside the repository (or back into it through the checkout's own name): not keyed by it.
      if (resolved === '..' || resolved.startsWith('../')) {
        return {
          paths: [],
          untrackable: messages.untrackableInput(relativeFile, `the path ${token.text}, outside the repository`),
          ...does,
        };
      }
      paths.add(resolved === '.' ? '' : resolved);
    }
  }
  const interpolatesPath =
    interpolated.first &&
    messages.untrackableInput(
      relativeFile,
      `${interpolated.first.text}\${…} (${line(interpolated.first)}), a path's name where a \`..\` built at run time can climb out of it`,
    );
  const cuts = cutsText(code);
  return {
    paths: [...paths],
    ...does,
    extendsParameter,
    interpolatesPath,
    buildsParent: buildsParent(reading.values, code, cuts),
    locationInText:
      flow.locationInText === undefined ? undefined : messages.untrackableInput(relativeFile, flow.locationInText),
    cutsText: cuts,
  };
}
