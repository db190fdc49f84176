import path from 'node:path';
import { flakeReads } from './flakeReads.js';
import { lex } from './lexer.js';

/** Where a source is named in a file: 1-based line and column, and the text there. */
export interface SourcePlace {
  line: number;
  column: number;
  text: string;
}

/**
 * The first place in `text` (the repository file `file`) that takes `target` (a repository path)
 * into a source: a relative path literal naming it or a directory above it (`./.`, `./k8s`), or in
 * a flake the flake's source taken whole (`self`, `"${self}"`). Undefined when none does here.
 * `counts`: whether a literal at that offset counts (one that leaves the target out does not).
 */
export function placeTakingIn(
  file: string,
  text: string,
  target: string,
  counts: (offset: number) => boolean = () => true,
): SourcePlace | undefined {
  const directory = path.posix.dirname(file);
  for (const token of lex(text)) {
    if (token.kind !== 'path' || token.text.startsWith('/') || token.interpolated === true) continue;
    if (!counts(token.start)) continue;
    const resolved = path.posix.normalize(path.posix.join(directory, token.text)).replace(/\/$/, '');
    const covers = resolved === '.' || resolved === target || target.startsWith(`${resolved}/`);
    if (covers) return { ...positionOf(text, token.start), text: token.text };
  }
  const whole = flakeReads(text).wholeTree;
  return whole === undefined ? undefined : { line: whole.line, column: whole.column, text: whole.construct };
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
