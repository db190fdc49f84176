import type { MovingConstruct } from '../../messages.js';
import type { Token } from './lexer.js';
import { isSymbol } from './syntax.js';
import { unpinnedFetches } from './fetches.js';

/** A construct that moves the tag, and where (messages/shared.ts says each kind). */
export type Moving = MovingConstruct;
type MovingKind = Moving['kind'];

/** Builtins (and nixpkgs' `lib.maybeEnv`) whose value is not a function of the files. */
const MOVERS = new Map<string, { kind: MovingKind; construct: string }>([
  ['currentTime', { kind: 'time', construct: 'builtins.currentTime' }],
  ['getEnv', { kind: 'environment', construct: 'builtins.getEnv' }],
  ['maybeEnv', { kind: 'environment', construct: 'lib.maybeEnv' }],
  // NIX_PATH as CI's Nix sees it; under nixtag it also holds the checkout's own entries.
  ['nixPath', { kind: 'environment', construct: 'builtins.nixPath' }],
]);

/** Where an offset of `text` is: `file:line`. */
export const placeIn = (file: string, text: string) => (offset: number) =>
  `${file}:${text.slice(0, offset).split('\n').length}`;

/** Nix binds builtins outside the global scope as `__name` too. */
const nameOf = (text: string) => text.replace(/^__(?=[a-z])/, '');

/**
 * The first construct in a file's code (comments left out) that moves the tag: a mover named
 * (`builtins.currentTime`, `with builtins; getEnv`, `__currentTime`), a string naming one
 * (`getAttr "currentTime" builtins`, `builtins."getEnv"`), or a builtin chosen by a computed name
 * (`builtins.${name}`), which may be either. `strings`: the values of the file's strings. `fetches`:
 * whether an unpinned fetch counts (fetches.ts).
 */
export function movingConstruct(
  file: string,
  text: string,
  code: readonly Token[],
  strings: readonly { value: string; start: number }[],
  fetches = true,
): Moving | undefined {
  const at = placeIn(file, text);
  const found: Moving[] = [];
  code.forEach((token, index) => {
    const mover = token.kind === 'identifier' ? MOVERS.get(nameOf(token.text)) : undefined;
    if (mover !== undefined) found.push({ ...mover, at: at(token.start) });
    if (token.kind === 'identifier' && token.text === 'builtins' && isSymbol(code[index + 1], '.')) {
      if (code[index + 2]?.kind === 'interpolation') {
        found.push({ kind: 'time', construct: 'a builtin chosen by a computed name', at: at(token.start) });
      }
    }
  });
  // Upstream's content when Nix asks (fetches.ts): CI's fetch is not this machine's cached one.
  for (const { name, start, byRef } of fetches ? unpinnedFetches(code) : []) {
    found.push(
      byRef
        ? {
            kind: 'environment',
            construct: `builtins.${name} of the repository by \`ref\``,
            at: at(start),
            branch: true,
          }
        : { kind: 'environment', construct: `builtins.${name} without a pinned hash or rev`, at: at(start), pin: true },
    );
  }
  for (const { value, start } of strings) {
    const mover = MOVERS.get(nameOf(value));
    if (mover !== undefined) found.push({ ...mover, at: at(start) });
  }
  // The time first: it moves the tag on every evaluation, in CI too.
  return found.find((moving) => moving.kind === 'time') ?? found[0];
}

/** Builtins whose value is the Nix that evaluates: CI's may not be this machine's. */
const VERSIONS = new Map([
  ['nixVersion', 'builtins.nixVersion'],
  ['langVersion', 'builtins.langVersion'],
]);

/**
 * The first read of the evaluating Nix's version in a file's code (a name, `__nixVersion`, or a
 * string naming it): a tag that moves with CI's Nix unless the local one is CI's (engine decides).
 */
export function versionRead(
  at: (offset: number) => string,
  code: readonly Token[],
  strings: readonly { value: string; start: number }[],
): Moving | undefined {
  // A binding's own name (`nixVersion = "2.26";`) reads nothing.
  const named = code.find(
    (token, index) =>
      token.kind === 'identifier' && VERSIONS.has(nameOf(token.text)) && !isSymbol(code[index + 1], '=', '?'),
  );
  const spelled = strings.find(({ value }) => VERSIONS.has(nameOf(value)));
  const first = [
    named && { name: named.text, start: named.start },
    spelled && { name: spelled.value, start: spelled.start },
  ]
    .filter((found) => found !== undefined)
    .sort((one, other) => one.start - other.start)[0];
  if (first === undefined) return undefined;
  return { kind: 'environment', construct: VERSIONS.get(nameOf(first.name))!, at: at(first.start), version: true };
}

/** A float as Nix's lexer reads one (`1.0`, `.5`, `2.5e3`): not an integer, not a path or version string. */
const FLOAT = /^(?:[1-9][0-9]*\.[0-9]*|0?\.[0-9]+)(?:[Ee][+-]?[0-9]+)?$/;

/**
 * The first float literal of a file's code: `builtins.toJSON` prints floats differently on Nix 2.8
 * (`1.0` as `1`, 15 significant digits) and 2.26 (`1.0`, shortest round trip), measured, so a tag
 * whose derivation holds one as JSON is the local Nix's, not necessarily CI's.
 */
export function floatLiteral(at: (offset: number) => string, code: readonly Token[]): Moving | undefined {
  const float = code.find((token) => token.kind === 'number' && FLOAT.test(token.text));
  if (float === undefined) return undefined;
  const construct = `the float ${float.text}, which \`builtins.toJSON\` prints differently on Nix 2.8 and 2.26`;
  return { kind: 'environment', construct, at: at(float.start), version: true };
}
