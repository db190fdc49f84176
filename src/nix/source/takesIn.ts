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
 */
export function placeTakingIn(file: string, text: string, target: string): SourcePlace | undefined {
  const directory = path.posix.dirname(file);
  for (const token of lex(text)) {
    if (token.kind !== 'path' || token.text.startsWith('/') || token.interpolated === true) continue;
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
