/**
 * The one reader of Nix source (src/nix/source/): the lexer, the code doctor reads
 * (nixCode) and the inputs a file names (fileInputs), against tables of snippets, real files
 * of nixpkgs' lib, and the regex reader it replaced (kept below as the reference only).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nixCode } from '../../src/nix/source/code.js';
import { ClosureReach, fileInputs, type FileInputs } from '../../src/nix/source/fileInputs.js';
import { lex, stringValue, type LexMode } from '../../src/nix/source/lexer.js';

/** nixpkgs' real lib (MIT), copied beside its licence and source. */
const NIXPKGS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/nixpkgs-lib');

/** Each token as `kind:text`; a path an interpolation continues as `path…:`. */
const tokens = (text: string, mode: LexMode = 'code') =>
  lex(text, mode).map((token) => `${token.kind}${token.interpolated === true ? '…' : ''}:${token.text}`);

describe('the lexer reads Nix as Nix does', () => {
  it.each<[string, string, string[]]>([
    [
      'path literals: relative, parent, the directory, home, absolute, a word with slashes, numbers',
      './x ../x ./. ~/x /etc/x x/y.nix 1/2',
      ['path:./x', 'path:../x', 'path:./.', 'homePath:~/x', 'path:/etc/x', 'path:x/y.nix', 'path:1/2'],
    ],
    ['a + inside a path segment is part of it', './gtk+3.nix + x', ['path:./gtk+3.nix', 'symbol:+', 'identifier:x']],
    [
      'search paths, also between names without spaces',
      '<nixpkgs> <nixpkgs/lib> a<b>c a < b',
      [
        'searchPath:<nixpkgs>',
        'searchPath:<nixpkgs/lib>',
        'identifier:a',
        'searchPath:<b>',
        'identifier:c',
        'identifier:a',
        'symbol:<',
        'identifier:b',
      ],
    ],
    [
      'an interpolated path, its parts and what follows it',
      './a/${b}/c.nix; x/${y}; ./a${b}',
      [
        'path…:./a/',
        'interpolation:${',
        'identifier:b',
        'symbol:}',
        'pathPart:/c.nix',
        'symbol:;',
        'path…:x/',
        'interpolation:${',
        'identifier:y',
        'symbol:}',
        'symbol:;',
        'path…:./a',
        'interpolation:${',
        'identifier:b',
        'symbol:}',
      ],
    ],
    ['a home path with an interpolation', '~/${x}', ['homePath…:~/', 'interpolation:${', 'identifier:x', 'symbol:}']],
    [
      'operators that look like paths or comments',
      'a//b a / b ...',
      ['identifier:a', 'symbol://', 'identifier:b', 'identifier:a', 'symbol:/', 'identifier:b', 'symbol:...'],
    ],
    [
      'a string with an interpolation, and a path inside it',
      '"a${./b}c"',
      ['stringOpen:"', 'stringText:a', 'interpolation:${', 'path:./b', 'symbol:}', 'stringText:c', 'stringClose:"'],
    ],
    [
      'escapes in a string: \\${ and $${ are literal, \\" does not close it',
      '"\\${x} $${y} \\"z" w',
      ['stringOpen:"', 'stringText:\\${x} $${y} \\"z', 'stringClose:"', 'identifier:w'],
    ],
    [
      "escapes in an indented string: ''${ and $${ are literal, ''' and ''\\n do not close it",
      "''a ''${x} ''' ''\\n $${y} ${z}'' w",
      [
        "stringOpen:''",
        "stringText:a ''${x} ''' ''\\n $${y} ",
        'interpolation:${',
        'identifier:z',
        'symbol:}',
        "stringClose:''",
        'identifier:w',
      ],
    ],
    [
      'braces inside an interpolation, and a string inside those',
      '"${ { a = "}"; }.a }" x',
      [
        'stringOpen:"',
        'interpolation:${',
        'symbol:{',
        'identifier:a',
        'symbol:=',
        'stringOpen:"',
        'stringText:}',
        'stringClose:"',
        'symbol:;',
        'symbol:}',
        'symbol:.',
        'identifier:a',
        'symbol:}',
        'stringClose:"',
        'identifier:x',
      ],
    ],
    [
      'URIs are strings; a name with primes is one name',
      "http://example.org/*; x:y; x'' : y",
      ['uri:http://example.org/*', 'symbol:;', 'uri:x:y', 'symbol:;', "identifier:x''", 'symbol::', 'identifier:y'],
    ],
    [
      'comments of both kinds; an unterminated /* is none',
      '# c ./x\r/* ./y */ z /* ./w',
      ['comment:# c ./x', 'comment:/* ./y */', 'identifier:z', 'symbol:/', 'symbol:*', 'path:./w'],
    ],
    ['numbers and a float with no fraction', '1.5 .5 1. 01', ['number:1.5', 'number:.5', 'number:1.', 'number:01']],
  ])('%s', (_, text, expected) => {
    expect(tokens(text)).toEqual(expected);
  });

  it('reads words where code has strings, comments and URIs', () => {
    expect(tokens('"./a" # ../b\nhttp://c/d', 'words')).toEqual([
      'symbol:"',
      'path:./a',
      'symbol:"',
      'symbol:#',
      'path:../b',
      'identifier:http',
      'symbol::',
      'symbol://',
      'path:c/d',
    ]);
  });

  it("decodes a string's escapes", () => {
    const [, plain] = lex('"\\.\\./x\\n\\${y}"');
    const [, indented] = lex("''''$ ''' ''\\t $${''");
    expect(stringValue(plain!)).toBe('../x\n${y}');
    expect(stringValue(indented!)).toBe("$ '' \t $${");
  });

  it('covers every character but whitespace with one token, in order, on any text', () => {
    const nixish = fc.string({ unit: fc.constantFrom(...'./~<>${}"\'\\#*+-:;=?()[] \n\tax1_'), maxLength: 80 });
    fc.assert(
      fc.property(nixish, fc.constantFrom<LexMode>('code', 'words'), (text, mode) => {
        let at = 0;
        for (const token of lex(text, mode)) {
          expect(text.slice(at, token.start)).toMatch(/^[ \t\r\n]*$/);
          expect(token.end).toBeGreaterThan(token.start);
          expect(token.text).toBe(text.slice(token.start, token.end));
          at = token.end;
        }
        expect(text.slice(at)).toMatch(/^[ \t\r\n]*$/);
      }),
      { numRuns: 2_000 },
    );
  });

  it('lexes long runs that are no token in time linear in their length', () => {
    // 100,000 repeats: linear, well under a second; a scan to the end from each repeat (an
    // unterminated comment, a run of path characters), some 10^10 steps: minutes.
    for (const unit of ['-', '.', '/* ', 'a.', '<a', '~/', 'x:', "''"]) {
      const text = unit.repeat(100_000);
      const start = performance.now();
      lex(text, 'words');
      lex(text);
      expect(performance.now() - start, unit).toBeLessThan(3_000);
    }
  }, 60_000);
});

describe('the code doctor reads (nixCode)', () => {
  it('blanks comments, string text and URIs, and keeps every line and column', () => {
    const text = "a = \"x${b}y\"; # c\nd = ''e ${f}''; /* g */ h = http://i/j;";
    expect(nixCode(text)).toBe("a = \" ${b} \";    \nd = ''  ${f}'';         h =           ;");
  });

  it('never throws, and keeps the length and the line breaks of any text', () => {
    const nixish = fc.string({ unit: fc.constantFrom(...'./~<>${}"\'\\#*+-: \nax'), maxLength: 80 });
    fc.assert(
      fc.property(nixish, (text) => {
        const code = nixCode(text);
        expect(code.length).toBe(text.length);
        expect([...code].map((char, index) => (char === ' ' ? ' ' : text[index]))).toEqual(
          [...text].map((char, index) => (code[index] === ' ' && char !== '\n' ? ' ' : char)),
        );
      }),
      { numRuns: 1_000 },
    );
  });
});

/**
 * The inputs, sorted; the construct that makes every file count; or a parameter extended where
 * the file also passes a path on (the closure then counts every file, inputs.ts).
 */
type Expected = string[] | { wholeTree: string } | { parameterReach: string } | { extendsParameter: string };

function inputsOf(file: string, text: string): Expected {
  const found = fileInputs(file, text);
  if (found.untrackable !== undefined) return { wholeTree: found.untrackable };
  // One file is its own closure (inputs.ts).
  const across = new ClosureReach().add(found);
  if (across !== undefined)
    return across.kind === 'extendsParameter' ? { parameterReach: across.reach } : { wholeTree: across.reach };
  return [...found.paths].sort();
}

function expectInputs(file: string, text: string, expected: Expected): void {
  const found = inputsOf(file, text);
  if (Array.isArray(expected)) expect(found).toEqual([...expected].sort());
  else if ('wholeTree' in expected) expect(found).toEqual({ wholeTree: expect.stringContaining(expected.wholeTree) });
  else if ('extendsParameter' in expected)
    // A library's function: it counts once some file of the closure passes a path on.
    expect(fileInputs(file, text).extendsParameter).toContain(expected.extendsParameter);
  else expect(found).toEqual({ parameterReach: expect.stringContaining(expected.parameterReach) });
}

describe('the inputs a Nix file names', () => {
  it.each<[string, string, string, Expected]>([
    // Idioms of nixpkgs and its lib (test/fixtures/nixpkgs-lib).
    ['the whole directory', 'default.nix', 'src = ./.;', ['', 'default.nix']],
    [
      'builtins.path with a filter',
      'default.nix',
      'builtins.path { path = ./.; name = "source"; filter = p: t: baseNameOf p != "result"; }',
      ['', 'default.nix'],
    ],
    [
      'lib.fileset over directories and files',
      'default.nix',
      'lib.fileset.toSource { root = ./.; fileset = lib.fileset.unions [ ./src ./go.mod ]; }',
      ['', 'default.nix', 'go.mod', 'src'],
    ],
    [
      'lib.sourceByRegex: a regex in a string adds what looks like a path',
      'default.nix',
      'lib.sourceByRegex ./app [ "^src$" "^src/.*[.]go$" ]',
      ['app', 'default.nix', 'src'],
    ],
    ['import of a file', 'nix/default.nix', 'import ./overlay.nix', ['nix/default.nix', 'nix/overlay.nix']],
    [
      'import of a parent and callPackage of a directory',
      'services/api/default.nix',
      '{ pkgs ? import <nixpkgs> { } }: (import ../../nix/lib.nix).callPackage ./pkg { }',
      ['nix/lib.nix', 'services/api/default.nix', 'services/api/pkg'],
    ],
    ['readFile', 'default.nix', 'version = builtins.readFile ./VERSION;', ['VERSION', 'default.nix']],
    [
      'the pin of nixpkgs lib fetched with inherit (fetchTarball of no literal URL)',
      'default.nix',
      'let pin = builtins.fromJSON (builtins.readFile ./lib-pin.json); lib = import "${builtins.fetchTarball { inherit (pin) url sha256; }}/lib"; in lib',
      ['default.nix', 'lib-pin.json'],
    ],
    // Paths.
    [
      'a + inside a path segment (Nix reads one path)',
      'default.nix',
      'import ./gtk+3.nix',
      ['default.nix', 'gtk+3.nix'],
    ],
    [
      'a path whose directory an interpolation continues',
      'default.nix',
      'import ./nix/${name}.nix',
      ['default.nix', 'nix'],
    ],
    ['an interpolation inside a name: its directory', 'sub/default.nix', 'import ./a${b}', ['sub', 'sub/default.nix']],
    ['an interpolation after the first slash', 'default.nix', 'import sub/${n}', ['default.nix', 'sub']],
    ['home and search paths are not the repository', 'default.nix', '[ ~/x <nixpkgs/lib> ]', ['default.nix']],
    ['a path interpolated into a string', 'default.nix', 'src = "${./src}";', ['default.nix', 'src']],
    [
      'a path interpolated into an indented string',
      'default.nix',
      "script = ''\n  cp ${./run.sh} $out\n'';",
      ['default.nix', 'run.sh'],
    ],
    ["a formals' ellipsis is not ..", 'default.nix', '{ pkgs, ... }: ./x', ['default.nix', 'x']],
    // Words: strings and comments only add inputs.
    ['a path-like word in a string', 'default.nix', 'description = "see ./notes.txt";', ['default.nix', 'notes.txt']],
    [
      'a path in a comment, .. resolved',
      'sub/default.nix',
      '# after ../README.md\n1',
      ['README.md', 'sub/default.nix'],
    ],
    ['a URI in a string', 'default.nix', 'url = "https://example.org/a";', ['default.nix', 'example.org/a']],
    // What makes every file count.
    ['a path outside the repository', 'default.nix', 'import ../up.nix', { wholeTree: 'outside the repository' }],
    ['.. after an interpolation in a path', 'default.nix', './a/${x}/../b', { wholeTree: '`..` outside' }],
    [
      '.. in a string, even in a path-like word',
      'sub/default.nix',
      'd + ("/" + "../x")',
      { wholeTree: '`..` outside' },
    ],
    ['.. made of escapes', 'default.nix', 'd + "/\\.\\./x"', { wholeTree: '`..` outside' }],
    ['.. in a shell command', 'default.nix', "''cd ..''", { wholeTree: '`..` outside' }],
    ['.. in a search path', 'default.nix', 'import <nixpkgs/../x.nix>', { wholeTree: '`..` outside' }],
    ['.. in a URI', 'default.nix', 'http://example.org/a/../b', { wholeTree: '`..` outside' }],
    ['a parenthesised path extended with a string', 'default.nix', '(./sub) + "x"', { wholeTree: 'extended with +' }],
    ['/. extended', 'default.nix', '/. + "/etc"', { wholeTree: '/. +' }],
    ['a builtin named in a string', 'default.nix', 'builtins.getAttr "dirOf" builtins ./.', { wholeTree: 'dirOf' }],
    [
      'a builtin named with escapes',
      'default.nix',
      'builtins.getAttr "\\d\\ir\\Of" builtins ./.',
      { wholeTree: 'dirOf' },
    ],
    ['a builtin by its __ name', 'default.nix', '__toPath "/x"', { wholeTree: 'toPath' }],
    [
      'a position by its __ name',
      'default.nix',
      '__unsafeGetAttrPos "a" { a = 1; }',
      { wholeTree: 'unsafeGetAttrPos' },
    ],
    ['toXML by its __ name', 'default.nix', '__toXML ./x', { wholeTree: 'toXML ./x' }],
    ['toString across a comment', 'default.nix', 'toString /* the file */ ./x', { wholeTree: 'toString ./x' }],
    ['a search path found by builtins.findFile', 'default.nix', 'builtins.findFile [ ] "x"', { wholeTree: 'findFile' }],
    [
      'a fetch of a local path in an indented string',
      'default.nix',
      "builtins.fetchGit ''/home/me/repo''",
      { wholeTree: 'fetch of a local path' },
    ],
    [
      'a fetch of a file: URI',
      'default.nix',
      'fetchTarball file:///tmp/x.tar.gz',
      { wholeTree: 'fetch of a local path' },
    ],
    [
      'a fetch with a local url among other attributes',
      'default.nix',
      'fetchTarball { name = "}"; url = "file://${toString ./.}/x.tar.gz"; }',
      { wholeTree: 'fetch of a local path' },
    ],
    ['a search path other than <nixpkgs>', 'default.nix', 'import <mine>', { wholeTree: 'search path' }],
    ['data that reads like Nix', 'data.txt', 'v1 ../x dirOf\n', { wholeTree: 'dirOf' }],
    // A path carried on, then extended or turned into a string (issue 20).
    [
      'a path bound to a name, then extended',
      'default.nix',
      'let settings = ./settings; in builtins.readFile (settings + ".json")',
      { wholeTree: 'settings (line 1), a path value extended with +' },
    ],
    [
      'through an attribute',
      'default.nix',
      'let c = { d = ./conf; }; in builtins.readFile (c.d + ".json")',
      { wholeTree: 'a path value extended' },
    ],
    [
      'through a list',
      'default.nix',
      'let l = [ ./a ]; in builtins.readFile (builtins.elemAt l 0 + ".json")',
      { wholeTree: 'a path value extended' },
    ],
    [
      'through two names',
      'default.nix',
      'let a = ./a; b = a; in builtins.readFile "${toString b}.json"',
      { wholeTree: 'toString b' },
    ],
    [
      'toString of a group',
      'default.nix',
      'builtins.readFile "${toString (let v = ./a; in v)}.json"',
      { wholeTree: "a path's location as a string" },
    ],
    [
      'dots split across strings',
      'default.nix',
      'let d = ./conf; in builtins.readFile (d + ("/." + "./x"))',
      { wholeTree: 'a path value extended' },
    ],
    [
      'a plain string that stays under the path',
      'default.nix',
      'let d = ./conf; in builtins.readFile (d + "/sub/a.json")',
      ['conf', 'default.nix'],
    ],
    [
      'string concatenation that carries no path',
      'default.nix',
      '{ version }: { name = "app-" + version; src = ./src; }',
      ['default.nix', 'src'],
    ],
    ['a number added to a parameter', 'default.nix', '{ src = ./src; next = n: n + 1; }', ['default.nix', 'src']],
    // A parameter extended by a name (issue 20, F7): what the name holds is not followed, so
    // every parameter sum counts once a path is passed on, a fold's `acc + x` too.
    [
      'a parameter extended by a name bound to a string',
      'default.nix',
      'let ext = ".json"; read = p: builtins.readFile (p + ext); in read ./settings',
      { parameterReach: 'p (line 1), a parameter extended with +' },
    ],
    [
      'a parameter extended by another parameter',
      'default.nix',
      'let read = p: ext: builtins.readFile (p + ext); in read ./settings ".json"',
      { parameterReach: 'a parameter extended with +' },
    ],
    [
      'a string that starts with a parameter’s location',
      'default.nix',
      'let read = p: builtins.readFile "${toString p}.json"; in read ./settings',
      { parameterReach: 'toString p (line 1), a location as a string that can be edited into another name' },
    ],
    [
      'a string that only shows a parameter',
      'default.nix',
      '{ src = ./src; name = n: "app-${toString n}"; }',
      ['default.nix', 'src'],
    ],
    // What an adversarial round found (issue 20): a parameter renamed, inherited or read through
    // `with`, `builtins.toString`, exemptions that do not hold, a file's own `readFile`.
    [
      'a parameter bound to another name',
      'default.nix',
      '(p: let q = p; in builtins.readFile (q + ".json")) ./conf',
      { parameterReach: 'q (line 1), a parameter extended with +' },
    ],
    [
      'a name inherited from a parameter',
      'default.nix',
      'args: let inherit (args) dir; in builtins.readFile (dir + ".json")',
      { extendsParameter: 'dir (line 1), a parameter extended with +' },
    ],
    [
      'a name inherited from another file',
      'default.nix',
      'let inherit (import ./paths.nix) conf; in builtins.readFile (conf + ".json")',
      { extendsParameter: 'conf (line 1), a parameter extended with +' },
    ],
    [
      'a name only a with binds',
      'default.nix',
      'args: with args; builtins.readFile (dir + ".json")',
      { extendsParameter: 'dir (line 1), a parameter extended with +' },
    ],
    [
      'builtins.toString of a parameter at the start of a string',
      'default.nix',
      'let read = p: builtins.readFile "${builtins.toString p}.json"; in read ./conf',
      { parameterReach: 'toString p (line 1), a location as a string that can be edited into another name' },
    ],
    [
      'a fold whose accumulator may become what the list holds',
      'default.nix',
      'builtins.readFile (builtins.foldl\' (acc: x: if acc == "" then x else acc + x) "" [ ./conf ".json" ])',
      { parameterReach: 'acc (line 1), a parameter extended with +' },
    ],
    [
      'an index of genList that is also a pattern name',
      'default.nix',
      'let d = builtins.genList (p: p * 2) 3; read = { p }: builtins.readFile (p + ".json"); in read',
      { extendsParameter: 'p (line 1), a parameter extended with +' },
    ],
    [
      'a genList of the file’s own',
      'default.nix',
      'let genList = f: n: f ./conf; in genList (i: builtins.readFile (i + ".json")) 1',
      { parameterReach: 'i (line 1), a parameter extended with +' },
    ],
    [
      'a readFile of the file’s own, which extends what it is given',
      'default.nix',
      'let readFile = p: builtins.readFile (p + ".json"); in readFile ./conf',
      { parameterReach: 'p (line 1), a parameter extended with +' },
    ],
    [
      'a readFile of another set than builtins',
      'default.nix',
      'let mylib = { readFile = p: builtins.readFile (p + ".json"); }; in mylib.readFile ./conf',
      { parameterReach: 'p (line 1), a parameter extended with +' },
    ],
    // A second adversarial round: toString under another name, a location joined from a list,
    // an absolute path, a root bound to a name.
    [
      'toString bound to another name',
      'default.nix',
      'let ts = toString; in builtins.readFile "${ts ./conf}.json"',
      { wholeTree: "ts ./conf (line 1), a path's location as a string" },
    ],
    [
      'builtins.toString bound to another name, called on a parameter',
      'default.nix',
      'let ts = builtins.toString; read = p: builtins.readFile "${ts p}.json"; in read ./conf',
      { parameterReach: 'toString (line 1), toString handed on as a function' },
    ],
    [
      'a function that returns its argument’s location',
      'default.nix',
      'let\n  loc = x: toString x;\nin builtins.readFile "${loc ./conf}.json"',
      { wholeTree: "loc ./conf (line 3), a path's location as a string" },
    ],
    [
      'a function that returns its argument’s location in a string',
      'default.nix',
      'let loc = x: "${builtins.toString x}"; in builtins.readFile "${loc ./conf}.json"',
      { wholeTree: "loc ./conf (line 1), a path's location as a string" },
    ],
    [
      'toString inherited from builtins',
      'default.nix',
      'p: let inherit (builtins) toString; in builtins.readFile "${toString p}.json"',
      { extendsParameter: 'toString p (line 1), a location as a string that can be edited into another name' },
    ],
    [
      'a parameter’s location in a list joined into a name',
      'default.nix',
      'let f = p: builtins.readFile (builtins.concatStringsSep "" [ (toString p) ".json" ]); in f ./conf',
      { parameterReach: 'toString p (line 1), a location as a string that can be edited into another name' },
    ],
    [
      'an absolute path',
      'default.nix',
      'builtins.readFile /srv/app/secret.txt',
      { wholeTree: '/srv/app/secret.txt (line 1), an absolute path' },
    ],
    [
      'the root bound to a name and extended',
      'default.nix',
      'let root = /.; in builtins.readFile (root + "srv/app/secret.txt")',
      { wholeTree: 'root (line 1), a path value extended with +' },
    ],
    [
      'the root compared, and a parameter’s location where it can name no file',
      'default.nix',
      '{ port, src ? ./src }: { Env = [ "PORT=${toString port}" ]; isRoot = src == /.; inherit src; }',
      ['default.nix', 'src'],
    ],
    [
      'a parameter’s location as a list element, which `++` may extend',
      'default.nix',
      '{ port, src ? ./src }: { Cmd = [ "--port" (toString port) ]; inherit src; }',
      { parameterReach: 'toString port (line 1), a location as a string that can be edited into another name' },
    ],
    [
      'a name interpolated into a path where a string of dots is built',
      'default.nix',
      'let up = "." + "."; in builtins.readFile ./conf/${up}/secret.txt',
      { wholeTree: "./conf/${…} (line 1), a path's name where a `..` built at run time can climb out of it" },
    ],
    [
      'a path whose interpolation is computed',
      'default.nix',
      'n: builtins.readFile ./conf/${builtins.head n}/x.txt',
      { wholeTree: "./conf/${…} (line 1), a path's name computed where `..` can climb out of it" },
    ],
    [
      'a source filter that reads files',
      'default.nix',
      'builtins.path { path = ./conf; name = "conf"; filter = file: type: builtins.match ".*SECRET.*" (builtins.readFile "${builtins.substring 0 (builtins.stringLength file - 6) file}conf.json") != null; }',
      { wholeTree: 'readFile (line 1), a file read by a source filter' },
    ],
    [
      'filterSource with a filter that reads files',
      'default.nix',
      'builtins.filterSource (p: t: builtins.pathExists (p + ".keep")) ./src',
      { wholeTree: 'pathExists (line 1), a file read by a source filter' },
    ],
    [
      'a source filter that reads nothing',
      'default.nix',
      'builtins.path { path = ./src; name = "source"; filter = p: t: !(builtins.elem (baseNameOf p) [ "node_modules" ]); }',
      ['default.nix', 'src'],
    ],
    [
      'a name interpolated into a path, and no dots built',
      'default.nix',
      '{ name }: import ./services/${name}/default.nix { }',
      ['default.nix', 'services'],
    ],
    [
      'a fold adding to an accumulator that starts as a number',
      'default.nix',
      "{ src = ./src; n = builtins.foldl' (acc: x: acc + x) 0 [ 1 2 ]; }",
      ['default.nix', 'src'],
    ],
    [
      'a fold of builtins adding to an accumulator that starts as a string',
      'default.nix',
      '{ src = ./src; s = builtins.foldl\' (acc: x: acc + x) "" [ "a" "b" ]; i = builtins.genList (i: i + 1) 3; }',
      ['default.nix', 'src'],
    ],
    [
      'a location after text, in a file that cuts strings',
      'default.nix',
      '{ port, src ? ./src }: { Env = [ "PORT=${toString port}" ]; v = builtins.substring 0 1 "x"; inherit src; }',
      { wholeTree: 'toString port (line 1), a location in a string that can be cut out of it' },
    ],
    [
      'builtins read by the usual forms only',
      'default.nix',
      'with builtins; let inherit (builtins) readFile; in { src = ./src; has = builtins ? readFile; n = builtins.length [ ]; }',
      ['default.nix', 'src'],
    ],
    [
      'builtins handed on',
      'default.nix',
      'let b = builtins; in b.${"dir" + "Of"} ./src',
      { wholeTree: 'builtins (line 1), a builtin reached by a name the reader cannot see' },
    ],
    [
      'a source filter defined elsewhere',
      'default.nix',
      'let keep = p: t: true; in builtins.path { path = ./src; filter = keep; }',
      { wholeTree: 'keep (line 1), a source filter defined elsewhere' },
    ],
    [
      'toString of a number the file computes',
      'default.nix',
      '{ self }: let total = builtins.foldl\' (acc: name: acc + 1) 0 [ "a" ]; in { seed = toString total; src = ./src; }',
      ['default.nix', 'src'],
    ],
    [
      'a name bound to a parameter through a lambda that shadows it',
      'default.nix',
      'let f = p: let q = (p: p) p; in builtins.readFile (q + ".json"); in f ./conf',
      { parameterReach: 'q (line 1), a parameter extended with +' },
    ],
    [
      'a fold of a set named lib, which may be the repository’s own',
      'default.nix',
      '{ src = ./src; s = lib.foldr (x: acc: acc + x) "" [ "a" "b" ]; }',
      { parameterReach: 'acc (line 1), a parameter extended with +' },
    ],
    [
      'a fold whose accumulator starts as a path',
      'default.nix',
      '{ src = ./src; s = builtins.foldl\' (acc: x: acc + x) ./settings [ ".json" ]; }',
      { parameterReach: 'acc (line 1), a parameter extended with +' },
    ],
    [
      'a name that is an accumulator in one place and another parameter elsewhere',
      'default.nix',
      "{ n = builtins.foldl' (acc: x: acc + x) 0 [ 1 ]; read = acc: builtins.readFile (acc + ext); r = read ./a; }",
      { parameterReach: 'acc (line 1), a parameter extended with +' },
    ],
  ])('%s', (_, file, text, expected) => {
    expectInputs(file, text, expected);
  });
});

/**
 * The regex reader that input tracking used before the lexer (src/nix/source/inputs.ts at
 * 4c03398), kept as the reference that the lexer's reading must cover.
 */
const old = (() => {
  const PATH_LITERAL = /(?<![\w.+\-/~<])((?:\.{1,2}|[\w.+-]+)(?:\/[\w.+-]+)+\/?|\.{1,2}\/|[\w.+-]+\/(?=\$\{))(\$\{)?/g;
  const PARENT_OUTSIDE_LITERAL = /(?<!\.)\.\.(?!\.)/;
  const UNTRACKABLE = [
    /(?<![\w.])\/\.\s*\+/,
    /\btoPath\b/,
    /\bstorePath\b/,
    /\bdirOf\b/,
    /\bfetch(?:Git|Tree|Tarball|url|Mercurial)\s*(?:\{[^}]*?url\s*=\s*)?"(?:\/|\.|~|file:|\$\{)/,
    /<(?!nixpkgs[/>])[\w.+-]+(?:\/[\w.+-]+)*>/,
    /(?:\.{1,2}|[\w.+-]+)(?:\/[\w.+-]+)+\/?\s*\+/,
    /\blocateDominatingFile\b/,
  ];
  const POSITION = /\b(?:__curPos|unsafeGetAttrPos)\b/;
  const TO_STRING = /\b(toString|toXML)\s*\(?\s*([^\s()]+)/g;
  const BOUND_TO_PATH = /([A-Za-z_][\w'-]*)\s*[=?]\s*\(?\s*(?:~?\.{0,2}\/|\.\.?(?=[\s;,)}])|[\w.+-]+\/[\w.+-])/g;
  const STARTS_AS_PATH = /^(?:~?\.{0,2}\/|\.\.?$|[\w.+-]+\/[\w.+-])/;
  const locationString = (text: string) => {
    if (POSITION.test(text)) return true;
    const bound = new Set([...text.matchAll(BOUND_TO_PATH)].map((match) => match[1]!));
    return [...text.matchAll(TO_STRING)].some(([, , argument = '']) => {
      const name = /^[A-Za-z_][\w'.-]*/.exec(argument)?.[0].split('.').pop() ?? '';
      return STARTS_AS_PATH.test(argument) || bound.has(name);
    });
  };
  return (file: string, text: string): { paths: string[]; wholeTree: boolean } => {
    const whole = { paths: [], wholeTree: true };
    if (UNTRACKABLE.some((pattern) => pattern.test(text)) || locationString(text)) return whole;
    if (PARENT_OUTSIDE_LITERAL.test(text.replace(PATH_LITERAL, ''))) return whole;
    const paths = [file];
    for (const match of text.matchAll(PATH_LITERAL)) {
      let literal = match[1]!;
      if (match[2] !== undefined) literal = literal.slice(0, literal.lastIndexOf('/') + 1) || '.';
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), literal)).replace(/\/$/, '');
      if (resolved === '..' || resolved.startsWith('../')) return whole;
      paths.push(resolved === '.' ? '' : resolved);
    }
    return { paths, wholeTree: false };
  };
})();

/** What the old reader's inputs hold that the lexer's do not: [] when the lexer's cover them. */
function uncovered(file: string, text: string): string[] {
  const now: FileInputs = fileInputs(file, text);
  if (now.untrackable !== undefined) return [];
  const before = old(file, text);
  return before.wholeTree ? ['(every file)'] : before.paths.filter((input) => !now.paths.includes(input));
}

describe('the lexer reads at least what the regex reader read', () => {
  /** Words of Nix and of text around it; a soup joins them with spaces or line breaks. */
  const WORDS = [
    ...['x', 'src', 'root', 'cfg.src', 'a.b', 'let', 'in', 'with', 'inherit', 'import', 'builtins', 'url', '1', '2.5'],
    ...['builtins.readFile', 'builtins.path', 'toString', 'builtins.toString', 'toString(./x)', 'toXML', 'getAttr'],
    ...['dirOf', '"dirOf"', 'toPath', '__toPath', 'storePath', 'locateDominatingFile', 'replaceStrings'],
    ...['__curPos', 'unsafeGetAttrPos', '__unsafeGetAttrPos', 'fetchGit', 'fetchTarball', 'fetchurl'],
    ...['fetchGit"/x"', '{url="file:/x";}', '=', '?', ':', ';', '(', ')', '{', '}', '[', ']', '+', '++', '//'],
    ...['.', '..', '...', ',', '@', '-', '*', '/', './.', './x', './x.nix', './sub/y', '../up', '../.', 'a/b'],
    ...['sub/', './sub/', 'sub/${', './x/${', '}/y', '}.nix', '/.', '/etc/x', '~/x', '<nixpkgs>', '<nixpkgs/lib>'],
    ...['<x>', '"', "''", "'''", "''$", "''\\n", '\\"', '\\', '$', '${', '$${', '"${', "''${", '#', '/*', '*/'],
    ...['"/x"', '"./y"', '"/../z"', '"/"', '".."', 'http://example.org/a', 'file:///x', 'x:y', '\n'],
  ];
  const soup = fc
    .array(fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(' ', '\n')), { maxLength: 24 })
    .map((words) => words.flat().join(''));

  it('on random soups of Nix words, never throwing', () => {
    fc.assert(
      fc.property(soup, fc.constantFrom('default.nix', 'sub/deep/default.nix'), (text, file) => {
        expect(uncovered(file, text)).toEqual([]);
      }),
      { numRuns: 3_000 },
    );
  });

  it("on every file of nixpkgs' lib, but where the regex reader took a + in a path for an operator", () => {
    const files = readdirSync(path.join(NIXPKGS, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.nix'))
      .map((file) => `lib/${file.split(path.sep).join('/')}`);
    expect(files.length).toBeGreaterThan(50);
    // A URL in a comment: `…004812900+1365712953_thumb.png` is one path segment to Nix.
    const plus = 'lib/systems/platforms.nix';
    for (const file of files) {
      const text = readFileSync(path.join(NIXPKGS, file), 'utf8');
      expect(uncovered(file, text), file).toEqual(file === plus ? ['(every file)'] : []);
    }
    expect(fileInputs(plus, readFileSync(path.join(NIXPKGS, plus), 'utf8')).untrackable).toBeUndefined();
  });
});

describe('a float literal, which builtins.toJSON prints differently on Nix 2.8 and 2.26 (adv15 F3)', () => {
  const floatAt = (text: string) => fileInputs('nix/app.nix', text).readsFloat?.at;
  it('is found in code, not in strings, paths, comments or integers', () => {
    expect(floatAt('{ cpu = 1.0; }')).toBe('nix/app.nix:1');
    expect(floatAt('{\n  ratio = .5;\n}')).toBe('nix/app.nix:2');
    expect(floatAt('{ big = 2.5e3; }')).toBe('nix/app.nix:1');
    for (const none of ['{ v = "1.0"; }', '{ p = ./v1.0; }', '# 1.0\n{ n = 1; }', '{ n = 10; m = 0; }']) {
      expect([none, floatAt(none)]).toEqual([none, undefined]);
    }
  });
});

describe('what a store may answer for unread (hashedPaths, pinnedFetches)', () => {
  const hashedOf = (text: string) => fileInputs('nix/app.nix', text).hashed ?? [];
  const fetchesOf = (text: string) => fileInputs('nix/app.nix', text).fetches ?? [];

  it('finds builtins.path under a sha256 however the builtin is named, checkable only when written out', () => {
    const plain = { path: 'nix/app', hash: 'abc', recursive: true };
    expect(hashedOf('builtins.path { path = ./app; sha256 = "abc"; }')).toEqual([
      { at: 'nix/app.nix:1', column: 10, checkable: plain },
    ]);
    expect(hashedOf('with builtins; path { name = "s"; path = ./app; sha256 = "abc"; }')[0]?.checkable).toEqual(plain);
    expect(hashedOf('__path { path = ../app; recursive = false; sha256 = "abc"; }')[0]?.checkable).toEqual({
      path: 'app',
      hash: 'abc',
      recursive: false,
    });
    for (const unchecked of [
      'builtins.path { path = ./app; filter = p: t: true; sha256 = "abc"; }',
      'builtins.path { path = ./app; inherit sha256; }',
      'builtins.path { path = ./app; sha256 = h; }',
      'builtins.path { path = ./. + "/app"; sha256 = "abc"; }',
      'builtins.path { path = ./${n}; sha256 = "abc"; }',
    ]) {
      expect([unchecked, hashedOf(unchecked)]).toEqual([
        unchecked,
        [expect.not.objectContaining({ checkable: expect.anything() })],
      ]);
    }
    expect(hashedOf('builtins.path { path = ./app; name = "source"; }')).toEqual([]);
    expect(hashedOf('{ path = ./app; sha256 = "abc"; }')).toEqual([]);
  });

  it('finds fetchTarball and builtins.fetchurl with a url and sha256 written out, not nixpkgs’ fetchurl', () => {
    expect(fetchesOf('builtins.fetchTarball { url = "https://x/a.tar.gz"; sha256 = "s"; }')).toEqual([
      { kind: 'tarball', url: 'https://x/a.tar.gz', sha256: 's', at: 'nix/app.nix:1', column: 10 },
    ]);
    expect(fetchesOf('fetchTarball { sha256 = "s"; url = "u"; }')).toMatchObject([{ kind: 'tarball', url: 'u' }]);
    expect(fetchesOf('builtins.fetchurl { url = "u"; sha256 = "s"; }')).toMatchObject([{ kind: 'file', url: 'u' }]);
    expect(fetchesOf('__fetchurl { url = "u"; sha256 = "s"; }')).toMatchObject([{ kind: 'file' }]);
    expect(fetchesOf('fetchurl { url = "u"; sha256 = "s"; }')).toEqual([]);
    expect(fetchesOf('fetchTarball { url = "u${v}"; sha256 = "s"; }')).toEqual([]);
    expect(fetchesOf('fetchTarball { inherit (pin) url sha256; }')).toEqual([]);
  });

  const computedOf = (text: string) => fileInputs('nix/app.nix', text).computedFetches ?? [];

  it('settles a url and sha256 built from strings the file binds once (adv15 F2), and says which it cannot', () => {
    const letRev = 'let rev = "abc"; in builtins.fetchTarball { url = "https://x/${rev}.tar.gz"; sha256 = "s"; }';
    expect(fetchesOf(letRev)).toMatchObject([{ kind: 'tarball', url: 'https://x/abc.tar.gz', sha256: 's' }]);
    const chained =
      'let owner = "o"; base = "https://x/${owner}"; rev = "r"; h = "s"; in fetchTarball { url = base + "/" + rev; sha256 = h; }';
    expect(fetchesOf(chained)).toMatchObject([{ url: 'https://x/o/r', sha256: 's' }]);
    const inherited = 'let url = "u"; sha256 = "s"; in fetchTarball { inherit url sha256; }';
    expect(fetchesOf(inherited)).toMatchObject([{ url: 'u', sha256: 's' }]);
    const json =
      'let pin = builtins.fromJSON (builtins.readFile ../pin.json); in fetchTarball { inherit (pin) url sha256; }';
    expect(fetchesOf(json)).toMatchObject([
      { url: { json: 'pin.json', keys: ['url'] }, sha256: { json: 'pin.json', keys: ['sha256'] } },
    ]);
    const selected =
      'let pins = lib.importJSON ./pins.json; in fetchTarball { url = pins.nixpkgs.url; sha256 = pins.nixpkgs.sha256; }';
    expect(fetchesOf(selected)).toMatchObject([{ url: { json: 'nix/pins.json', keys: ['nixpkgs', 'url'] } }]);
    for (const computed of [
      '{ rev ? "abc" }: fetchTarball { url = "https://x/${rev}.tar.gz"; sha256 = "s"; }',
      'rev: fetchTarball { url = "https://x/${rev}.tar.gz"; sha256 = "s"; }',
      'let rev = "a"; f = rev: rev; in fetchTarball { url = "https://x/${rev}.tar.gz"; sha256 = "s"; }',
      'let rev = "a"; in { rev = "b"; x = fetchTarball { url = "https://x/${rev}.tar.gz"; sha256 = "s"; }; }',
      'fetchTarball { url = "u${v}"; sha256 = "s"; }',
      'fetchTarball { url = pins.url; sha256 = "s"; }',
      'fetchTarball { inherit (pin) url sha256; }',
      'let url = "u"; in fetchTarball { inherit url; sha256 = h; }',
      'let rev = "a"; in fetchTarball { url = "https://x/${rev}.tar.gz" + toString 1; sha256 = "s"; }',
    ]) {
      expect([computed, fetchesOf(computed), computedOf(computed)]).toEqual([
        computed,
        [],
        [{ kind: 'tarball', at: 'nix/app.nix:1' }],
      ]);
    }
    // No sha256: an unpinned fetch, which moves the tag (moving.ts), not a computed pin.
    expect(computedOf('fetchTarball { url = "u${v}"; }')).toEqual([]);
  });
});
