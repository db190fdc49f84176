import { lex, type TokenKind } from './lexer.js';

/** What Nix does not read as code: comments, and the literal parts of strings (a URI is one). */
const NOT_CODE: ReadonlySet<TokenKind> = new Set(['comment', 'stringText', 'uri']);

/**
 * What Nix reads as code in a file: its text with comments and the literal parts of strings
 * blanked (each character but a line break becomes a space, so lines and columns stay where they
 * were). A `${ … }` interpolation inside a string is code. The lexer (lexer.ts) decides, as Nix's
 * does: `"…"` with `\` escapes and a literal `$${`; `''…''` with `'''`, `''$` and `''\x` escapes;
 * identifiers that hold `'` (`x''`); a URI literal (`http://example.org/*`) is a string.
 */
export function nixCode(text: string): string {
  let code = '';
  let at = 0;
  for (const token of lex(text)) {
    if (!NOT_CODE.has(token.kind)) continue;
    code += text.slice(at, token.start) + token.text.replace(/[^\n]/g, ' ');
    at = token.end;
  }
  return code + text.slice(at);
}
