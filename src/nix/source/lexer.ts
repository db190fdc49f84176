/**
 * Nix's lexer (src/libexpr/lexer.l, the same on 2.8 and current releases), as far as reading a
 * file needs it: where its strings, comments, paths and names are. It never throws: text Nix
 * would refuse still lexes, so that a reader over-approximating it has tokens to read.
 */

export type TokenKind =
  | 'identifier' // keywords too
  | 'number'
  | 'path' // `./x`, `../x`, `x/y`, `/x`: a path's literal start
  | 'homePath' // `~/x`
  | 'searchPath' // `<nixpkgs/lib>`
  | 'uri' // `http://example.org/x`, a string
  | 'pathPart' // a path's literal text after an interpolation in it (`/b` in `./a/${x}/b`)
  | 'stringOpen'
  | 'stringText' // the literal part of a string, as written (escapes undecoded)
  | 'stringClose'
  | 'interpolation' // `${`, in a string, a path or code
  | 'comment'
  | 'symbol'; // operators and any other character

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  text: string;
  /** A string's tokens: of an indented string (`''…''`). */
  indented?: boolean;
  /** A path (or home path) that an interpolation continues (`./nix/${name}`). */
  interpolated?: boolean;
  /** A path: where it ends, after its interpolations and literal parts. */
  pathEnd?: number;
}

/**
 * `code`: as Nix reads the text. `words`: the same grammar with no strings, comments or URIs, so
 * that every part of a text (a comment, a string's words, a URI's parts) reads as if it were code.
 */
export type LexMode = 'code' | 'words';

type Frame =
  | { kind: 'code' }
  | { kind: 'string'; indented: boolean }
  /** Inside a path after its start (flex's INPATH and INPATH_SLASH): `head` is its first token. */
  | { kind: 'path'; head: Token };

/** Character classes of lexer.l's definitions, for the ASCII characters. */
const LETTER = 1; // [a-zA-Z]
const DIGIT = 2;
const PATH_CHAR = 4; // [a-zA-Z0-9._+-]
const ID_CHAR = 8; // [a-zA-Z0-9_'-]
const SCHEME_CHAR = 16; // [a-zA-Z0-9+\-.]
const WHITESPACE = 32; // [ \t\r\n]
const CLASSES = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const char = String.fromCharCode(code);
  const set = (flag: number, pattern: RegExp) => {
    if (pattern.test(char)) CLASSES[code]! |= flag;
  };
  set(LETTER, /[a-zA-Z]/);
  set(DIGIT, /[0-9]/);
  set(PATH_CHAR, /[a-zA-Z0-9._+-]/);
  set(ID_CHAR, /[a-zA-Z0-9_'-]/);
  set(SCHEME_CHAR, /[a-zA-Z0-9+\-.]/);
  set(WHITESPACE, /[ \t\r\n]/);
}
const is = (text: string, index: number, flag: number) => {
  const code = text.charCodeAt(index);
  return code < 128 && (CLASSES[code]! & flag) !== 0;
};

/** Sticky forms of lexer.l's definitions; for each, JavaScript's greedy match is flex's longest. */
const PATH_CHARS = '[a-zA-Z0-9._+-]';
const INT = /[0-9]+/y;
const FLOAT = /(?:[1-9][0-9]*\.[0-9]*|0?\.[0-9]+)(?:[Ee][+-]?[0-9]+)?/y;
const PATH = new RegExp(`${PATH_CHARS}*(?:\\/${PATH_CHARS}+)+\\/?`, 'y');
const PATH_SEG_INTERPOLATED = new RegExp(`${PATH_CHARS}*\\/(?=\\$\\{)`, 'y');
const HPATH = new RegExp(`~(?:\\/${PATH_CHARS}+)+\\/?|~\\/(?=\\$\\{)`, 'y');
const SPATH = new RegExp(`<${PATH_CHARS}+(?:\\/${PATH_CHARS}+)*>`, 'y');
const URI = /[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+/y;
/** Inside a path, after an interpolation: `{PATH}|{PATH_SEG}|{PATH_CHAR}+`. */
const PATH_PART = new RegExp(`${PATH_CHARS}*(?:\\/${PATH_CHARS}+)+\\/?|${PATH_CHARS}*\\/|${PATH_CHARS}+`, 'y');
const OPERATORS = ['...', '==', '!=', '<=', '>=', '&&', '||', '->', '//', '++', '<|', '|>'];
const OPERATOR_START = '.=!<>&|-/+';
const operatorLength = (text: string, index: number) =>
  OPERATORS.find((operator) => text.startsWith(operator, index))?.length ?? 0;
const INDENTED_OPEN = /''(?: *\n)?/y;

function matchLength(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.test(text) ? pattern.lastIndex - at : 0;
}

/** The tokens of `text`, whitespace left out. */
export function lex(text: string, mode: LexMode = 'code'): Token[] {
  return new Lexer(text, mode).tokens;
}

class Lexer {
  readonly tokens: Token[] = [];
  readonly #stack: Frame[] = [{ kind: 'code' }];
  /** Where the last runs of path and of scheme characters scanned end. */
  readonly #runs = { [PATH_CHAR]: 0, [SCHEME_CHAR]: 0 };
  /** From here on, no `*` and `/` close a comment that opens. */
  #unclosedComment = Infinity;

  constructor(
    readonly text: string,
    readonly mode: LexMode,
  ) {
    let index = 0;
    while (index < text.length) {
      const frame = this.#stack[this.#stack.length - 1]!;
      if (frame.kind === 'string') index = this.#string(index, frame.indented);
      else if (frame.kind === 'path') index = this.#inPath(index, frame.head);
      else index = this.#code(index);
    }
    for (const frame of this.#stack) if (frame.kind === 'path') frame.head.pathEnd = text.length;
  }

  #emit(kind: TokenKind, start: number, end: number): Token {
    const token: Token = { kind, start, end, text: this.text.slice(start, end) };
    this.tokens.push(token);
    return token;
  }

  #push(frame: Frame): void {
    this.#stack.push(frame);
  }

  /** Nix's `}`: back to what the matching `{` or `${` interrupted (never below the file's code). */
  #pop(): void {
    if (this.#stack.length > 1) this.#stack.pop();
  }

  /** One token of code at `index` (or a run of whitespace); the index after it. */
  #code(index: number): number {
    const { text } = this;
    const char = text[index]!;
    const next = text[index + 1];
    if (is(text, index, WHITESPACE)) {
      let end = index + 1;
      while (is(text, end, WHITESPACE)) end++;
      return end;
    }
    if (this.mode === 'code') {
      const end = this.#stringOrComment(index, char, next);
      if (end !== undefined) return end;
    }
    if (char === '$' && next === '{') {
      this.#emit('interpolation', index, index + 2);
      this.#push({ kind: 'code' });
      return index + 2;
    }
    if (char === '{' || char === '}') {
      this.#emit('symbol', index, index + 1);
      if (char === '{') this.#push({ kind: 'code' });
      else this.#pop();
      return index + 1;
    }
    // Flex takes the longest match; no two of these can match the same length. Each is tried only
    // where its first character allows it: a path's first segment must be followed by `/`, a
    // URI's scheme by `:`.
    let kind = 'symbol' as TokenKind;
    let length = OPERATOR_START.includes(char) ? operatorLength(text, index) : 0;
    const candidates: Array<[TokenKind, number]> = [];
    if (is(text, index, LETTER) || char === '_') {
      let end = index + 1;
      while (is(text, end, ID_CHAR)) end++;
      candidates.push(['identifier', end - index]);
    }
    if (is(text, index, DIGIT) || char === '.') {
      candidates.push(['number', Math.max(matchLength(INT, text, index), matchLength(FLOAT, text, index))]);
    }
    if ((char === '/' || is(text, index, PATH_CHAR)) && text[this.#runEnd(index, PATH_CHAR)] === '/') {
      candidates.push([
        'path',
        Math.max(matchLength(PATH, text, index), matchLength(PATH_SEG_INTERPOLATED, text, index)),
      ]);
    }
    if (char === '~') candidates.push(['homePath', matchLength(HPATH, text, index)]);
    if (char === '<') candidates.push(['searchPath', matchLength(SPATH, text, index)]);
    if (this.mode === 'code' && is(text, index, LETTER) && text[this.#runEnd(index, SCHEME_CHAR)] === ':') {
      candidates.push(['uri', matchLength(URI, text, index)]);
    }
    for (const [candidate, candidateLength] of candidates) {
      if (candidateLength > length) [kind, length] = [candidate, candidateLength];
    }
    if (length === 0) length = 1; // any other character: a symbol of its own
    const token = this.#emit(kind, index, index + length);
    if (kind === 'path' || kind === 'homePath') this.#push({ kind: 'path', head: token });
    return index + length;
  }

  /** A comment or a string's start at `index`, in code; the index after it. */
  #stringOrComment(index: number, char: string, next: string | undefined): number | undefined {
    const { text } = this;
    if (char === '#') {
      let end = index;
      while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
      this.#emit('comment', index, end);
      return end;
    }
    if (char === '/' && next === '*' && index < this.#unclosedComment) {
      const close = text.indexOf('*/', index + 2);
      // Unterminated, it is no comment to Nix (which then fails to parse); nor is any later `/*`.
      if (close === -1) this.#unclosedComment = index;
      else {
        this.#emit('comment', index, close + 2);
        return close + 2;
      }
    }
    if (char === '"' || (char === "'" && next === "'")) {
      const indented = char === "'";
      const end = indented ? index + matchLength(INDENTED_OPEN, text, index) : index + 1;
      this.#emit('stringOpen', index, end).indented = indented;
      this.#push({ kind: 'string', indented });
      return end;
    }
    return undefined;
  }

  /** Inside a path, after its start or an interpolation: more of it, or its end. */
  #inPath(index: number, head: Token): number {
    if (this.text.startsWith('${', index)) {
      head.interpolated = true;
      this.#emit('interpolation', index, index + 2);
      this.#push({ kind: 'code' });
      return index + 2;
    }
    const length = matchLength(PATH_PART, this.text, index);
    if (length === 0) {
      head.pathEnd = index; // the path ends; the character is read again where it stands
      this.#stack.pop();
      return index;
    }
    this.#emit('pathPart', index, index + length);
    return index + length;
  }

  /** The literal text of a string from `index` up to its end or an interpolation, and that. */
  #string(index: number, indented: boolean): number {
    const { text } = this;
    let end = index;
    for (;;) {
      const char = text[end];
      if (char === undefined) break;
      const next = text[end + 1];
      if (!indented) {
        if (char === '"') break;
        if (char === '\\') end += 2;
        else if (char === '$') {
          if (next === '{') break;
          end += next === '"' || next === undefined ? 1 : next === '\\' ? 3 : 2; // `$${` is literal
        } else end++;
      } else if (char === "'" && next === "'") {
        const after = text[end + 2];
        if (after === '$' || after === "'")
          end += 3; // `''$`, `'''`
        else if (after === '\\' && end + 3 < text.length)
          end += 4; // `''\n`
        else break;
      } else if (char === '$') {
        if (next === '{') break;
        end += next === "'" || next === undefined ? 1 : 2; // `$${` is literal
      } else end++;
    }
    end = Math.min(end, text.length);
    if (end > index) this.#emit('stringText', index, end).indented = indented;
    if (end >= text.length) return end;
    if (text[end] === '$') {
      this.#emit('interpolation', end, end + 2);
      this.#push({ kind: 'code' });
      return end + 2;
    }
    const close = indented ? 2 : 1;
    this.#emit('stringClose', end, end + close).indented = indented;
    this.#stack.pop();
    return end + close;
  }

  /**
   * Where the run of `flag` characters that holds `index` ends. The lexer only moves forward, so
   * a run is scanned once (not once for each of its characters, a comment's `-----`).
   */
  #runEnd(index: number, flag: typeof PATH_CHAR | typeof SCHEME_CHAR): number {
    if (index >= this.#runs[flag]) {
      let end = index;
      while (is(this.text, end, flag)) end++;
      this.#runs[flag] = end;
    }
    return this.#runs[flag];
  }
}

/** What a string's literal part means: its escapes (`\n`, `''$`, `'''`, `''\t`) decoded. */
export function stringValue(token: Token): string {
  const unescape = (escaped: string) => ({ n: '\n', r: '\r', t: '\t' })[escaped] ?? escaped;
  if (token.indented !== true) return token.text.replace(/\\([\s\S])/g, (_, escaped: string) => unescape(escaped));
  return token.text.replace(/''(\$|'|\\[\s\S])/g, (_, escaped: string) =>
    escaped === "'" ? "''" : escaped === '$' ? '$' : unescape(escaped.slice(1)),
  );
}
