/**
 * The lexer (src/nix/source/lexer.ts) against Nix itself: `nix-instantiate --parse` prints every
 * path literal it read resolved (`./x` as `/dir/x`, `~/x` under HOME, `<x>` as `__findFile
 * __nixPath "x"`), and strings and comments as strings or not at all. The path tokens the lexer
 * finds must be exactly those, on both Nix versions.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lex } from '../../src/nix/source/lexer.js';
import { tempDir, testEnv, writeFiles } from '../helpers/repo.js';

const NIXPKGS_LIB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/nixpkgs-lib/lib');
const HOME = '/nonexistent-home';

/** Snippets that a lexer gets wrong when it reads Nix loosely; each a closed expression. */
const SNIPPETS: Record<string, string> = {
  'literals.nix':
    'let b = "q"; in [ ./x ../y ./. ./a/../b x/y.nix 1/2 ./gtk+3.nix ~/h /etc/x <nixpkgs> <nixpkgs/lib> ]',
  'interpolated.nix': 'let b = "q"; in [ ./a/${b}/c.nix ./a${b} w/${b} ~/${b} ./a/${b}${b}/d ]',
  'strings.nix': `let b = "q"; in [ "s\${./q} ./nope" "\\\${./no} $\${./no} \\" ./no" ''in \${./z} ''\${./no} ''' ./no $\${./no}'' ]`,
  'comments.nix': '[ # ./no\n  /* ./no */ ./yes (1/2) ./y#c ./no\n]',
  'operators.nix': 'let a = { }; b = { }; x = 1; y = 2; in [ (a//b) (x / y) (a.b or ./or) (x: x) ./s.nix ]',
  'uris.nix': '[ http://example.org/a/b x:y/z ./after ]',
  'names.nix': "let x'' = 1; a-b = 2; in [ x'' a-b ./n ]",
};

/** Every place under `root` or HOME, and every search path, that a path token of `file` names. */
function lexedPaths(file: string, root: string): string[] {
  const text = readFileSync(file, 'utf8');
  const places = lex(text).flatMap((token) => {
    if (token.kind === 'path') return [path.posix.resolve(path.posix.dirname(file), token.text)];
    if (token.kind === 'homePath') return [path.posix.resolve(HOME, token.text.slice(2))];
    if (token.kind === 'searchPath') return [`<${token.text.slice(1, -1)}>`];
    return [];
  });
  const shown = places.filter(
    (place) => !place.startsWith('/') || [root, HOME].some((top) => place === top || place.startsWith(`${top}/`)),
  );
  return [...new Set(shown)].sort();
}

/**
 * Every place under `root` or HOME, and every search path, in Nix's parse of each of `files`
 * (one process; it prints each file's expression on a line of its own).
 */
function parsedPaths(files: readonly string[], root: string): string[][] {
  const parsed = execFileSync('nix-instantiate', ['--parse', ...files], {
    encoding: 'utf8',
    env: testEnv({ HOME }),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = parsed.trimEnd().split('\n');
  expect(lines).toHaveLength(files.length);
  const escape = (text: string) => text.replace(/[.+/]/g, '\\$&');
  const places = new RegExp(`(?:${escape(root)}|${escape(HOME)})(?:/[A-Za-z0-9._+-]+)*`, 'g');
  return lines.map((line) => {
    const found = [...line.matchAll(places)].map(([place]) => place);
    const searched = [...line.matchAll(/__findFile __nixPath "([^"]*)"/g)].map(([, name]) => `<${name}>`);
    return [...new Set([...found, ...searched])].sort();
  });
}

/** Each of `files` (absolute) lexed as Nix parses it. */
function expectParsedAsNix(files: readonly string[], root: string): void {
  const parsed = parsedPaths(files, root);
  files.forEach((file, index) => expect(lexedPaths(file, root), file).toEqual(parsed[index]));
}

describe("the lexer finds the path literals Nix parses, and no other (Nix's --parse)", () => {
  it('in snippets that read Nix loosely would get wrong', () => {
    const root = path.join(tempDir(), 'w');
    writeFiles(root, SNIPPETS);
    expectParsedAsNix(
      Object.keys(SNIPPETS).map((file) => path.join(root, file)),
      path.dirname(root),
    );
  });

  it("in every file of nixpkgs' lib", () => {
    // Under the temporary directory, where the second Nix sees files too.
    const root = path.join(tempDir(), 'lib');
    cpSync(NIXPKGS_LIB, root, { recursive: true });
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.nix'));
    expect(files.length).toBeGreaterThan(50);
    expectParsedAsNix(
      files.map((file) => path.join(root, file)),
      path.dirname(root),
    );
  });
});
