import { stringValue, type Token } from './lexer.js';
import { argumentAt, builtinName, isSymbol, setIdentifiers } from './syntax.js';
import { placeIn } from './moving.js';

/**
 * `builtins.fetchTarball { url = "…"; sha256 = "…"; }` (or `builtins.fetchurl`) written out: Nix
 * 2.8 and 2.26 return the sha256's store path unfetched when the store holds it, so a url bumped
 * with its sha256 kept evaluates here with the old content, where CI's empty store downloads the
 * url and fails (`hash mismatch`). The pin file's own fetch is checked as this is (pinHash.ts).
 */
export interface PinnedFetch {
  /** `tarball`: unpacked (fetchTarball); `file`: the bytes (builtins.fetchurl). */
  kind: 'tarball' | 'file';
  url: string;
  sha256: string;
  /** `file:line` */
  at: string;
  column: number;
}

/** A plain string's value (`"…"` with no interpolation) from `from`, if the value is exactly one. */
function plainStringAt(code: readonly Token[], from: number): string | undefined {
  const [open, text, close, end] = [code[from], code[from + 1], code[from + 2], code[from + 3]];
  if (open?.kind !== 'stringOpen' || text?.kind !== 'stringText' || close?.kind !== 'stringClose') return undefined;
  return isSymbol(end, ';') ? stringValue(text) : undefined;
}

/** The fetches of a file's code whose url and sha256 are written out as plain strings. */
export function pinnedFetches(file: string, text: string, code: readonly Token[]): PinnedFetch[] {
  const at = placeIn(file, text);
  const found: PinnedFetch[] = [];
  code.forEach((token, index) => {
    if (token.kind !== 'identifier' || !isSymbol(code[index + 1], '{')) return;
    const name = builtinName(token);
    // `fetchurl` alone is nixpkgs' (a derivation, fetched when built): only the builtin is fetched now.
    const qualified =
      token.text.startsWith('__') || (isSymbol(code[index - 1], '.') && code[index - 2]?.text === 'builtins');
    const kind = name === 'fetchTarball' ? 'tarball' : name === 'fetchurl' && qualified ? 'file' : undefined;
    if (kind === undefined) return;
    const values = new Map<string, string | undefined>();
    for (const inner of setIdentifiers(code, argumentAt(code, index + 1))) {
      if (isSymbol(code[inner + 1], '=')) values.set(code[inner]!.text, plainStringAt(code, inner + 2));
    }
    const [url, sha256] = [values.get('url'), values.get('sha256')];
    if (url === undefined || sha256 === undefined) return;
    found.push({
      kind,
      url,
      sha256,
      at: at(token.start),
      column: token.start - text.lastIndexOf('\n', token.start - 1),
    });
  });
  return found;
}
