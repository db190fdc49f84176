import path from 'node:path';
import { stringValue, type Token } from './lexer.js';
import { builtinName, isSymbol } from './syntax.js';
import { placeIn } from './moving.js';

/**
 * Path literals whose value may be copied to the store (`"${./cfg}"`, `builtins.path { path =
 * ./cfg; }`, `src = ./cfg;`, `./. + "/cfg"`): confined (restrict-eval), Nix before 2.26 resolves
 * a symlink the path ends in before copying it and stores its target, where CI's plain
 * nix-instantiate stores the link (engine/confinedAnswers.ts refuses such an image there). A
 * symlink deeper in a copied directory, or one a path goes through, is copied alike by both.
 */
export interface PathCopy {
  /** From the repository's root ('' for the root); with `prefix`, a directory anything under which it may name. */
  path: string;
  prefix: boolean;
  /** The literal as written. */
  literal: string;
  /** `file:line` */
  at: string;
  column: number;
}

/** What reads through a path (the link's target, as CI reads it) rather than copying it. */
const READERS = new Set([
  ...['import', 'scopedImport', 'readFile', 'readDir', 'readFileType', 'hashFile', 'pathExists'],
  ...['importJSON', 'importTOML', 'callPackage', 'pathIsDirectory', 'pathIsRegularFile'],
]);

/** The path literals of a file's code (comments left out) that may be copied, where they stand. */
export function pathCopies(file: string, text: string, code: readonly Token[]): PathCopy[] {
  const directory = path.posix.dirname(file);
  const at = placeIn(file, text);
  const found: PathCopy[] = [];
  code.forEach((token, index) => {
    if (token.kind !== 'path' || token.text.startsWith('/')) return;
    const before = code[index - 1];
    if (before?.kind === 'identifier' && READERS.has(builtinName(before))) return;
    // The path's own tokens (its interpolations and literal parts), then what extends it.
    const end = token.pathEnd ?? token.end;
    let after = index + 1;
    while (code[after] !== undefined && code[after]!.start < end) after++;
    let literal = token.interpolated === true ? token.text.slice(0, token.text.lastIndexOf('/') + 1) : token.text;
    let prefix = token.interpolated === true;
    if (isSymbol(code[after], '+')) {
      // `./. + "/cfg"`: the path named; anything else appended may name any place under it.
      const [open, part, close] = [code[after + 1], code[after + 2], code[after + 3]];
      const plain = open?.kind === 'stringOpen' && part?.kind === 'stringText' && close?.kind === 'stringClose';
      if (plain && !isSymbol(code[after + 4], '+')) literal = `${literal}/${stringValue(part)}`;
      else prefix = true;
    }
    const resolved = path.posix.normalize(path.posix.join(directory, literal || '.')).replace(/\/$/, '');
    if (resolved === '..' || resolved.startsWith('../')) return;
    found.push({
      path: resolved === '.' ? '' : resolved,
      prefix,
      literal: token.text,
      at: at(token.start),
      column: token.start - text.lastIndexOf('\n', token.start - 1),
    });
  });
  return found;
}

/** The first copy among `copies` that may store a symlink of the tree (`symlinks`, by path) as its target. */
export function copiedSymlink(copies: readonly PathCopy[], symlinks: ReadonlySet<string>): PathCopy | undefined {
  if (symlinks.size === 0) return undefined;
  return copies.find((copy) => {
    if (!copy.prefix) return symlinks.has(copy.path);
    const under = copy.path === '' ? '' : `${copy.path}/`;
    return [...symlinks].some((link) => link.startsWith(under));
  });
}
