import path from 'node:path';
import { stringValue, type Token } from './lexer.js';
import { argumentAt, builtinName, insideInherit, isSymbol } from './syntax.js';
import { placeIn } from './moving.js';

/**
 * Where confinement (restrict-eval) changes an answer instead of failing. Nix's `pathExists`
 * catches the refusal of a path outside the allowed ones and answers `false` (2.8 and 2.26
 * alike, whatever the spelling: a path, a string, `toPath`, `/.`), where CI's plain
 * `nix-instantiate` looks at its file system: `pathExists /bin/bash` is `true` there. Every other
 * read of such a path (`readFile`, `readDir`, `readFileType`, `hashFile`, `path`, an interpolation,
 * `import`) fails, even inside `tryEval`, and is refused as NIX_RESTRICTED already.
 */

/** Builtins and nixpkgs functions that answer through `pathExists`. */
const ASKS_EXISTENCE = new Set(['pathExists', 'pathIsDirectory', 'pathIsRegularFile', 'pathIsGitRepo']);

/**
 * A question whose answer confinement may change: `outside` when its argument names a place
 * outside the repository (`/bin/bash`, `~/x`, `"/etc/x"`, `../..` above it), the path if one is
 * written; otherwise (a name, a computed value) it may or may not.
 */
export interface ConfinedAnswer {
  construct: string;
  /** `file:line` */
  at: string;
  /** 1-based, of the name that asks. */
  column: number;
  outside: boolean;
  /**
   * A file of the repository: answered as CI answers it, unless a symlink of the tree leads out
   * (2.8 resolves it first and answers `false`; 2.26 answers for the link itself).
   */
  inside?: true;
  /** The path the argument names, where it is written out. */
  path?: string | undefined;
}

type Where = { kind: 'inside' } | { kind: 'outside'; path: string } | { kind: 'unknown' };

/** Whether `literal`, written in `directory` of the repository, stays inside it. */
function relativeWhere(directory: string, literal: string): Where {
  const resolved = path.posix.normalize(path.posix.join(directory, literal));
  return resolved === '..' || resolved.startsWith('../') ? { kind: 'outside', path: literal } : { kind: 'inside' };
}

/** The store is readable under confinement: a question about it is answered as CI answers it. */
const inStore = (text: string, store: string) => text === store || text.startsWith(`${store}/`);

/** Where the value that starts at `at` points, as far as its first token says. */
function whereAt(tokens: readonly Token[], at: number, directory: string, store: string): Where {
  let index = at;
  while (isSymbol(tokens[index], '(')) index++;
  const token = tokens[index];
  if (token === undefined) return { kind: 'unknown' };
  if (token.kind === 'searchPath') return { kind: 'inside' };
  if (token.kind === 'homePath') return { kind: 'outside', path: token.text };
  if (token.kind === 'path') {
    const literal = token.interpolated === true ? token.text.slice(0, token.text.lastIndexOf('/') + 1) : token.text;
    if (literal.startsWith('/'))
      return inStore(literal, store) ? { kind: 'inside' } : { kind: 'outside', path: literal };
    return relativeWhere(directory, literal || '.');
  }
  if (token.kind === 'stringOpen') {
    const next = tokens[index + 1];
    if (next?.kind === 'stringText') {
      const value = stringValue(next);
      if (value.startsWith('/')) return inStore(value, store) ? { kind: 'inside' } : { kind: 'outside', path: value };
      return { kind: 'unknown' };
    }
    // `"${./x}/y"`: the path's place.
    if (next?.kind === 'interpolation') return whereAt(tokens, index + 2, directory, store);
  }
  return { kind: 'unknown' };
}

/**
 * The questions `code` (a file's tokens, comments left out) asks whose answer confinement may
 * change, `outside` first. `strings`: the values of the file's strings (a builtin named by one,
 * `getAttr "pathExists" builtins`, asks about what it is given).
 */
export function confinedAnswers(
  file: string,
  text: string,
  code: readonly Token[],
  strings: readonly { value: string; start: number }[],
  store = process.env.NIX_STORE_DIR || '/nix/store',
): ConfinedAnswer[] {
  const at = placeIn(file, text);
  const column = (offset: number) => offset - text.lastIndexOf('\n', offset - 1);
  const directory = path.posix.dirname(file);
  const found: ConfinedAnswer[] = [];
  code.forEach((token, index) => {
    if (token.kind !== 'identifier' || !ASKS_EXISTENCE.has(builtinName(token))) return;
    // A binding's own name (`pathExists = …;`, `inherit (builtins) pathExists;`) asks nothing.
    if (isSymbol(code[index + 1], '=') || insideInherit(code, index)) return;
    const construct = builtinName(token);
    const argument = argumentAt(code, index + 1);
    // `(./. + "/..")`: a place computed from a path inside may leave it: probed, not read as the path.
    const operands = argument.map((at) => code[at]);
    const computed = operands.some(
      (operand, at) =>
        (operand?.kind === 'stringText' && /(?:^|\/)\.\.(?:\/|$)/.test(operand.text)) ||
        (isSymbol(operand, '+') && !['stringOpen', 'path'].includes(operands[at + 1]?.kind ?? '')),
    );
    const written = argument.length === 0 ? { kind: 'unknown' as const } : whereAt(code, index + 1, directory, store);
    const where = computed && written.kind === 'inside' ? { kind: 'unknown' as const } : written;
    found.push({
      construct,
      at: at(token.start),
      column: column(token.start),
      outside: where.kind === 'outside',
      ...(where.kind === 'inside' ? { inside: true as const } : {}),
      path: where.kind === 'outside' ? where.path : undefined,
    });
  });
  for (const { value, start } of strings) {
    if (ASKS_EXISTENCE.has(value.replace(/^__/, ''))) {
      found.push({ construct: value, at: at(start), column: column(start), outside: false });
    }
  }
  return [...found].sort((one, other) => rank(one) - rank(other));
}

/** Outside first, then computed places, then the repository's own files. */
function rank(answer: ConfinedAnswer): number {
  return answer.outside ? 0 : answer.inside === true ? 2 : 1;
}
