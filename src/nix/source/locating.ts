import type { Token } from './lexer.js';
import { argumentAt, isSymbol } from './syntax.js';

/**
 * What in a file can observe where the checkout lies (its absolute path), so that its tag may
 * differ between nixtag's checkout and CI's (`/workspace/source`): a path's location made a
 * string (`toString ./app`, `dirOf ./.`, `builtins.toPath`), a position (`__curPos`,
 * `unsafeGetAttrPos`), or a source filter that reads its path argument other than through
 * `baseNameOf` (`lib.hasInfix "/tmp/" path` drops everything in a checkout under /var/tmp).
 * Only a hint of where to look: engine/checkoutLocation.ts evaluates such an image again at
 * another place to see whether its tag moves. `definite`: the construct acts on a path of this
 * file. `parameter`: it acts on a function's parameter (or a name from elsewhere), which may hold
 * a path another file passes (`mkApp { src = ./app; }` whose body hashes `toString src`): it counts
 * only where a file of the image's closure passes a path on (nix/source/inputs.ts), so that
 * `toString port` costs nothing in a closure that hands no path to a function.
 */
export interface Locating {
  definite?: string;
  parameter?: string;
}

/** Builtins whose value is a position in a file: its absolute path. */
const POSITIONS = new Set(['__curPos', 'unsafeGetAttrPos', '__unsafeGetAttrPos']);

/** Filters of nixpkgs' that read a path only through its base name. */
const NAME_ONLY_FILTERS = new Set(['cleanSourceFilter']);

/** The helpers pathFlow.ts has for the file: what a position holds. */
export interface FlowView {
  builtinAt: (index: number, names: ReadonlySet<string>) => boolean;
  carriesPath: (index: number) => boolean;
  /** A lambda's own parameter, or a name from a `with`: it may hold a path another file passes. */
  isParameter: (index: number) => boolean;
  at: (token: Token) => string;
}

/**
 * Whether a source filter written as a lambda (`path: type: …`) at `code` reads its path only
 * through `baseNameOf` (`baseNameOf path`, `baseNameOf (toString path)`) or hands it to a filter
 * that does (`lib.cleanSourceFilter path type`). Undefined when it does; else where it reads it.
 */
function pathReadAt(tokens: readonly Token[], code: readonly number[], view: FlowView): number | undefined {
  let first = 0;
  while (isSymbol(tokens[code[first]!], '(')) first++;
  const parameter = tokens[code[first]!];
  if (parameter?.kind !== 'identifier' || !isSymbol(tokens[code[first]! + 1], ':')) return code[first];
  const names = new Set([...NAME_ONLY_FILTERS]);
  for (const position of code.slice(first + 2)) {
    const token = tokens[position]!;
    if (token.kind !== 'identifier' || token.text !== parameter.text || isSymbol(tokens[position - 1], '.')) continue;
    if (view.builtinAt(position - 1, new Set(['baseNameOf']))) continue;
    const wrapped =
      isSymbol(tokens[position - 2], '(') &&
      view.builtinAt(position - 1, new Set(['toString'])) &&
      view.builtinAt(position - 3, new Set(['baseNameOf']));
    if (wrapped) continue;
    const before = tokens[position - 1];
    if (before?.kind === 'identifier' && names.has(before.text)) continue;
    return position;
  }
  return undefined;
}

/** The first construct of each kind in one file's tokens that can observe the checkout's location. */
export function locatingConstructs(
  tokens: readonly Token[],
  filters: readonly number[][],
  isLambdaAt: (index: number) => boolean,
  view: FlowView,
): Locating {
  const found: Locating = {};
  const { at } = view;
  for (const code of filters) {
    const start = tokens[code[0]!]!;
    const read = isLambdaAt(code[0]!) ? pathReadAt(tokens, code, view) : code[0];
    if (read === undefined) continue;
    const what = isLambdaAt(code[0]!)
      ? `${tokens[read]!.text} (${at(tokens[read]!)}), a source filter's path read`
      : `${start.text} (${at(start)}), a source filter defined elsewhere`;
    found.definite ??= `${what} other than through baseNameOf`;
  }
  tokens.forEach((token, index) => {
    if (token.kind !== 'identifier') return;
    if (POSITIONS.has(token.text) || view.builtinAt(index, POSITIONS)) {
      found.definite ??= `${token.text} (${at(token)}), a position naming the file where the clone lies`;
      return;
    }
    if (view.builtinAt(index, new Set(['toPath']))) {
      found.definite ??= `${token.text} (${at(token)}), a location as a path`;
      return;
    }
    if (!view.builtinAt(index, new Set(['dirOf']))) return;
    const argument = argumentAt(tokens, index + 1);
    if (argument.some(view.carriesPath)) found.definite ??= `${token.text} (${at(token)}), the directory around a path`;
    else if (argument.some(view.isParameter))
      found.parameter ??= `${token.text} (${at(token)}), the directory around a parameter that may hold a path`;
  });
  return found;
}
