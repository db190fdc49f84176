import { stringValue, type Token } from './lexer.js';
import { isSymbol } from './syntax.js';
import { placeIn } from './moving.js';

/**
 * A read of a file of `.git` (`builtins.readFile ./.git/config`, `"${./.}/.git/packed-refs"`,
 * `./. + "/.git"`): its bytes are the clone's, not the commit's (a fresh `git clone` has an
 * `origin` remote, packed refs, a reflog; nixtag's checkout has its own), so the tag cannot be
 * CI's. Reads of `HEAD` and the commit through `fetchGit` are probed at run time
 * (engine/commitDependence.ts); this names the rest where the text shows them, erring on the
 * side of a read.
 */
export interface GitRead {
  construct: string;
  /** `file:line` */
  at: string;
}

/** `.git` as a whole component of a path (`./.git`, `sub/.git/config`), not `.gitignore`. */
const GIT_COMPONENT = /(?:^|\/)\.git(?:\/|$)/;
/** A file under `.git` named in a string (`"/.git/config"`, `".git/HEAD"`). */
const GIT_FILE = /(?:^|\/)\.git\/./;

/** Compared, not read: `p == ./.git`, `toString ./.git != p` (a source filter's test). */
const compared = (before: Token | undefined, after: Token | undefined) =>
  isSymbol(before, '==', '!=') || isSymbol(after, '==', '!=');

/** nixpkgs' `commitIdFromGitRepo ./.git` resolves the commit, which the commit probes cover. */
const resolvesCommit = (before: Token | undefined) =>
  before?.kind === 'identifier' && before.text === 'commitIdFromGitRepo';

/** The first read of a file of `.git` in a file's code (comments left out). */
export function gitDirectoryRead(file: string, text: string, code: readonly Token[]): GitRead | undefined {
  const at = placeIn(file, text);
  for (let index = 0; index < code.length; index++) {
    const token = code[index]!;
    if (token.kind === 'path' || token.kind === 'pathPart') {
      if (!GIT_COMPONENT.test(token.text)) continue;
      // The whole path: its head and the parts an interpolation continues it with.
      let head = index;
      while (head > 0 && code[head]!.kind !== 'path') head--;
      const end = code[head]!.pathEnd ?? code[head]!.end;
      let last = head;
      while (code[last + 1] !== undefined && code[last + 1]!.start < end) last++;
      const before = code[head - 1];
      const toString = before?.kind === 'identifier' && before.text === 'toString';
      if (compared(toString ? code[head - 2] : before, code[last + 1]) || resolvesCommit(before)) continue;
      return { construct: token.text, at: at(token.start) };
    }
    if (token.kind !== 'stringText') continue;
    const value = stringValue(token);
    if (!GIT_COMPONENT.test(value)) continue;
    // The string around it: `"…"` from its opening to its closing token.
    let open = index;
    let depth = 0;
    for (; open > 0; open--) {
      const at = code[open]!;
      if (at.kind === 'stringClose') depth++;
      else if (at.kind === 'stringOpen' && depth-- === 0) break;
    }
    let close = index;
    depth = 0;
    for (; close < code.length - 1; close++) {
      const at = code[close]!;
      if (at.kind === 'stringOpen') depth++;
      else if (at.kind === 'stringClose' && depth-- === 0) break;
    }
    if (compared(code[open - 1], code[close + 1])) continue;
    // `.git` alone (`baseNameOf p == ".git"`, `hasSuffix "/.git" p`) names, it reads nothing;
    // appended to a path (`./. + "/.git"`, `"${./.}/.git"`) it is the directory itself.
    const appended = isSymbol(code[open - 1], '+') || code[index - 1]?.kind !== 'stringOpen';
    if (GIT_FILE.test(value) || appended) return { construct: `"${token.text}"`, at: at(token.start) };
  }
  return undefined;
}
