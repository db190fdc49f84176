import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { covers } from '../../src/nix/source/inputSet.js';
import { evaluationInputs } from '../../src/nix/source/inputs.js';
import { testEnv } from '../helpers/repo.js';
import { trackedInputs, writeFiles } from '../helpers/tracker.js';

/**
 * The third and fourth adversarial rounds on the input tracker (issue 20, item 4): programs that read a file
 * of the repository that no path literal names, each once a miss (the tracker neither listed the
 * file nor counted every file). Nix itself says which file it read (each holds its own marker);
 * the inputs must cover it, before and after an evaluation, or every file must count.
 */
const COMMON: Record<string, string> = {
  'conf.json': 'C_confjson',
  'secret.txt': 'C_secret',
  'data.nix': '"C_datanix"\n',
  'conf/in.txt': 'C_confin',
  'sub/s.txt': 'C_subsecret',
};

const PROGRAMS: Array<[string, Record<string, string>]> = [
  [
    'helper in another file returns its parameter\u2019s location (loc = p: toString p in lib.nix), caller interpolates ',
    {
      'default.nix': 'let l = import ./lib.nix; in builtins.readFile "${l.loc ./conf}.json"\n',
      'lib.nix': '{ loc = p: toString p; }\n',
    },
  ],
  [
    'ts = toString bound in another file (lib.nix), used as l.ts ./conf in default.nix',
    {
      'default.nix': 'let l = import ./lib.nix; in builtins.readFile "${l.ts ./conf}.json"\n',
      'lib.nix': '{ ts = toString; }\n',
    },
  ],
  [
    'parameter\u2019s location bound first (loc = "${toString p}"), then interpolated "${loc}.json"',
    { 'default.nix': 'let f = p: let loc = "${toString p}"; in builtins.readFile "${loc}.json"; in f ./conf\n' },
  ],
  [
    'builtins.replaceStrings ["conf"] ["conf.json"] (toString p)',
    {
      'default.nix':
        'let f = p: builtins.readFile (builtins.replaceStrings [ "conf" ] [ "conf.json" ] (toString p)); in f ./conf\n',
    },
  ],
  [
    'known concatStringsSep case with the element wrapped in a string: [ "${toString p}" ".json" ]',
    {
      'default.nix':
        'let f = p: builtins.readFile (builtins.concatStringsSep "" [ "${toString p}" ".json" ]); in f ./conf\n',
    },
  ],
  [
    '"${builtins.unsafeDiscardStringContext (toString p)}.json" (toString not first in the interpolation)',
    {
      'default.nix':
        'let f = p: builtins.readFile "${builtins.unsafeDiscardStringContext (toString p)}.json"; in f ./conf\n',
    },
  ],
  [
    '"${"" + toString p}.json"',
    { 'default.nix': 'let f = p: builtins.readFile "${"" + toString p}.json"; in f ./conf\n' },
  ],
  [
    'concatStringsSep "" ([ (toString p) ] ++ [ ".json" ])',
    {
      'default.nix':
        'let f = p: builtins.readFile (builtins.concatStringsSep "" ([ (toString p) ] ++ [ ".json" ])); in f ./conf\n',
    },
  ],
  [
    'toString as a value: builtins.mapAttrs (_: toString) { a = ./conf; }',
    { 'default.nix': 'let s = builtins.mapAttrs (_: toString) { a = ./conf; }; in builtins.readFile "${s.a}.json"\n' },
  ],
  [
    'toString as a value: map (toString) [ ./conf ]',
    { 'default.nix': 'builtins.readFile "${builtins.head (map (toString) [ ./conf ])}.json"\n' },
  ],
  [
    'toString passed as an argument: (str: readFile "${str ./conf}.json") toString',
    { 'default.nix': '(str: builtins.readFile "${str ./conf}.json") toString\n' },
  ],
  [
    'toString returned by a functor: { __functor = self: toString; }',
    { 'default.nix': 'let s = { __functor = self: toString; }; in builtins.readFile "${s ./conf}.json"\n' },
  ],
  [
    '__toString = self: toString p in an attrset made by a function; the attrset is interpolated',
    { 'default.nix': 'let mk = p: { __toString = self: toString p; }; in builtins.readFile "${mk ./conf}.json"\n' },
  ],
  [
    'alias not recognised: ts = (builtins).toString',
    { 'default.nix': 'let ts = (builtins).toString; in builtins.readFile "${ts ./conf}.json"\n' },
  ],
  [
    'alias not recognised: b = builtins; ... b.toString p',
    { 'default.nix': 'let b = builtins; f = p: builtins.readFile "${b.toString p}.json"; in f ./conf\n' },
  ],
  [
    '(builtins.getAttr "toString" builtins) ./conf (known for dirOf; toString slips)',
    { 'default.nix': 'builtins.readFile "${(builtins.getAttr "toString" builtins) ./conf}.json"\n' },
  ],
  [
    'inherit toString; anywhere in the file makes every bare toString "own", so "${toString p}.json" is not seen',
    {
      'default.nix':
        'let\n  s = { inherit toString; };\n  f = p: builtins.readFile "${toString p}.json";\nin f ./conf\n',
    },
  ],
  [
    '.. built by replaceStrings ["a"] [""] "a.a.a", interpolated in ./conf/${up}/data.nix (no readFile/fromJSON/sub',
    { 'default.nix': 'let up = builtins.replaceStrings [ "a" ] [ "" ] "a.a.a"; in import ./conf/${up}/data.nix\n' },
  ],
  [
    '. cut out by builtins.split "[0-9]" "1.2", doubled, interpolated into ./conf/${up}/data.nix',
    {
      'default.nix':
        'let d = builtins.elemAt (builtins.split "[0-9]" "1.2") 2; up = d + d; in import ./conf/${up}/data.nix\n',
    },
  ],
  [
    'with import ./lib.nix; readFile ./conf: readFile from with is taken for the builtin, so ./conf counts as consu',
    {
      'default.nix': 'with import ./lib.nix; readFile ./conf\n',
      'lib.nix': '{ readFile = p: builtins.readFile "${toString p}.json"; }\n',
    },
  ],
  [
    'same with the shadowing readFile a formal of a pattern lambda ({ readFile, ... }: readFile ./conf)',
    {
      'app.nix': '{ readFile, ... }: readFile ./conf\n',
      'default.nix': 'import ./app.nix (import ./lib.nix)\n',
      'lib.nix': '{ readFile = p: builtins.readFile "${toString p}.json"; }\n',
    },
  ],
  [
    'a file\u2019s own callPackage (bound in the same file) is still treated as nixpkgs\u2019 importer, so ./conf counts as c',
    { 'default.nix': 'let callPackage = p: _: builtins.readFile "${toString p}.json"; in callPackage ./conf { }\n' },
  ],
  [
    'a lambda parameter named path (a CONSUMER name) shadows the builtin: (path: path ./conf) (p: ...)',
    { 'default.nix': '(path: path ./conf) (p: builtins.readFile "${toString p}.json")\n' },
  ],
  [
    'fold exemption trusted across files: l.fold (x: acc: acc + x) ".json" [ ./conf ], where lib.nix\u2019s fold hands t',
    {
      'default.nix': 'let l = import ./lib.nix; in builtins.readFile (l.fold (x: acc: acc + x) ".json" [ ./conf ])\n',
      'lib.nix': '{ fold = f: init: list: f init (builtins.head list); }\n',
    },
  ],
  [
    'genList exemption trusted across files (variant of known c22): lib.nix { genList = f: n: f ./conf; }, default.',
    {
      'default.nix': 'let l = import ./lib.nix; in builtins.readFile (l.genList (i: i + ".json") 1)\n',
      'lib.nix': '{ genList = f: n: f ./conf; }\n',
    },
  ],
  [
    'builtins.toXML p of a parameter, location cut out with builtins.match',
    {
      'default.nix':
        'let loc = p: builtins.head (builtins.match ".*value=\\"([^\\"]*)\\".*" (builtins.toXML p)); in builtins.readFile "${loc ./conf}.json"\n',
    },
  ],
  // Round four, on the rules the third gave.
  [
    '.. built by baseNameOf "a/." twice (not in the buildsParent deny-list; no string is dots only, none starts wit',
    {
      'default.nix':
        'let d = baseNameOf "a/."; up = "${d}${d}"; in\nif builtins.hashFile "sha256" ./sub/${up}/conf.json == "3bf132a2b0518256f0ea292eed3fb6a436f7df7be6a9bab775695cf041f7675f" then "C_confjson" else "other"\n',
    },
  ],
  [
    '"harmless" text-first position "v${toString p}", the v cut off with substring',
    {
      'default.nix':
        'let f = p: let s = "v${toString p}"; in builtins.readFile "${builtins.substring 1 999 s}.json"; in f ./conf\n',
    },
  ],
  [
    'toString reached by a computed attribute name of builtins (builtins.${"to" + "String"}): the rules know getAtt',
    { 'default.nix': 'let ts = builtins.${"to" + "String"}; in builtins.readFile "${ts ./conf}.json"\n' },
  ],
  [
    'dirOf under a computed name, then + "/secret.txt" judged as staying under ./conf',
    { 'default.nix': 'let df = builtins.${"dir" + "Of"}; c = ./conf; in builtins.readFile (df c + "/secret.txt")\n' },
  ],
  [
    'builtins shadowed by a lambda parameter: builtins.readFile ./conf still counts as consumption',
    {
      'default.nix':
        'let b = builtins; in (builtins: builtins.readFile ./conf) { readFile = p: b.readFile (p + ".json"); }\n',
    },
  ],
  [
    '__readFile bound by the file itself still counts as the builtin consumer (the __ check returns before the own ',
    { 'default.nix': 'let __readFile = p: builtins.readFile (p + ".json"); in __readFile ./conf\n' },
  ],
  [
    'callPackage brought in by with l; (l a repository set) counts as nixpkgs\u2019 callPackage (consumer)',
    {
      'app.nix': '{ l }: with l; callPackage ./conf { }\n',
      'default.nix': 'import ./app.nix { l = import ./lib.nix; }\n',
      'lib.nix': '{ callPackage = p: _: builtins.readFile (p + ".json"); }\n',
    },
  ],
  [
    'l.callPackage of any set, here the repository\u2019s own lib.nix, counts as a consumer',
    {
      'app.nix': '{ l }: l.callPackage ./conf { }\n',
      'default.nix': 'import ./app.nix { l = import ./lib.nix; }\n',
      'lib.nix': '{ callPackage = p: _: builtins.readFile (p + ".json"); }\n',
    },
  ],
  [
    '"under p" position "${toString p}/${up}/conf.json": the text after is /, then an interpolated .. (built with b',
    {
      'default.nix':
        'let d = baseNameOf "a/."; up = "${d}${d}"; f = p: builtins.readFile "${toString p}/${up}/conf.json"; in f ./sub\n',
    },
  ],
  [
    'text-first position where the text is indentation that Nix strips from an indented string: \u2019\u2019\\n  ${toString p}',
    { 'default.nix': "let f = p: builtins.readFile ''\n  ${toString p}.json''; in f ./conf\n" },
  ],
  [
    'the docs\u2019 own example "PORT=${toString port}", the location taken back out with match',
    {
      'default.nix':
        'let f = port: let s = "PORT=${toString port}"; in builtins.readFile "${builtins.head (builtins.match "PORT=(.*)" s)}.json"; in f ./conf\n',
    },
  ],
  [
    'bare genList under with l; (repository set): exemption trusted (only the file\u2019s own bindings are excluded)',
    {
      'app.nix': '{ l }: with l; genList (i: builtins.readFile (i + ".json")) 1\n',
      'default.nix': 'import ./app.nix { l = import ./lib.nix; }\n',
      'lib.nix': '{ genList = f: n: [ (f ./conf) ]; }\n',
    },
  ],
  [
    'lib.genList where lib is the repository\u2019s own import ./lib.nix: genList exemption trusted for any name lib',
    {
      'default.nix': 'let lib = import ./lib.nix; in lib.genList (i: builtins.readFile (i + ".json")) 1\n',
      'lib.nix': '{ genList = f: n: [ (f ./conf) ]; }\n',
    },
  ],
  [
    'lib.foldl\u2019 where lib is the repository\u2019s own: fold exemption trusted',
    {
      'default.nix': 'let lib = import ./lib.nix; in lib.foldl\' (acc: x: acc + x) "" [ ".json" ]\n',
      'lib.nix': "{ foldl' = f: init: xs: builtins.readFile (f ./conf (builtins.head xs)); }\n",
    },
  ],
  [
    'unsafeGetAttrPos under a computed name: the file\u2019s own location with no path literal at all, cut with substrin',
    {
      'default.nix':
        'let pos = builtins.${"unsafeGetAttr" + "Pos"} "a" { a = 1; }; in builtins.readFile "${builtins.substring 0 (builtins.stringLength pos.file - 11) pos.file}secret.txt"\n',
    },
  ],
  [
    'a consumer recognised by the token before the literal even when it is itself an argument: f builtins.readFile ',
    { 'default.nix': 'let f = reader: p: reader (p + ".json"); in f builtins.readFile ./conf\n' },
  ],
];

describe('a file read by a name no literal spells', () => {
  it.each(PROGRAMS)('is an input: %s', async (_title, program) => {
    const files = { ...COMMON, ...program };
    const root = writeFiles(files);
    const printed = execFileSync('nix-instantiate', ['--eval', '--strict', '--json', 'default.nix'], {
      cwd: root,
      env: testEnv(),
      encoding: 'utf8',
    });
    const read = Object.keys(COMMON).filter((file) => printed.includes(COMMON[file]!.replace(/"|\n/g, '')));
    expect(read.length, printed).toBeGreaterThan(0);
    for (const inputs of await trackedInputs(root, Object.keys(files))) {
      expect(read.map((file) => [file, covers(inputs.paths, file)])).toEqual(read.map((file) => [file, true]));
    }
  });
});

/**
 * The fifth round: code Nix parses from the store, where the repository put it (a string written
 * with toFile, a file copied whole or inside a copied directory). No literal leads to it, and
 * Nix names its store path, not the repository's file. Evaluated read-write, as CI does (nixtag's
 * read-only evaluation finds such a path once a build here has written it).
 */
const STORE_CODE: Array<[string, Record<string, string>]> = [
  [
    'code written by toFile from a string',
    {
      'default.nix': 'let f = import (builtins.toFile "f.nix" "p: builtins.readFile (p + \\".json\\")"); in f ./conf\n',
    },
  ],
  [
    'code written by toFile from a data file',
    {
      'default.nix': 'let f = import (builtins.toFile "f.nix" (builtins.readFile ./f.txt)); in f ./conf\n',
      'f.txt': 'p: builtins.readFile (p + ".json")\n',
    },
  ],
  [
    'a file not named like Nix, copied whole',
    {
      'default.nix': 'let f = import (builtins.path { path = ./f.txt; name = "f.nix"; }); in f ./conf\n',
      'f.txt': 'p: builtins.readFile (p + ".json")\n',
    },
  ],
  [
    'a file not named like Nix, inside a copied directory',
    {
      'default.nix': 'let f = import "${./code}/f.txt"; in f ./conf\n',
      'code/f.txt': 'p: builtins.readFile (p + ".json")\n',
    },
  ],
];

describe('code Nix parses from the store', () => {
  it.each(STORE_CODE)('is read: %s', async (_title, program) => {
    const files = { ...COMMON, ...program };
    const root = writeFiles(files);
    const run = spawnSync(
      'nix-instantiate',
      ['--eval', '--strict', '--json', '--read-write-mode', '-vv', 'default.nix'],
      {
        cwd: root,
        env: testEnv(),
        encoding: 'utf8',
      },
    );
    expect(run.stdout, run.stderr).toContain('C_confjson');
    const parsed = [...run.stderr.matchAll(/^evaluating file '(.*)'$/gm)].map((match) => path.resolve(root, match[1]!));
    const entries = Object.keys(files)
      .sort()
      .map((file) => ({ mode: '100644', oid: file, path: file }));
    const { byImage } = await evaluationInputs(root, parsed, [{ file: 'default.nix', snippets: [] }], [], entries);
    expect(covers(byImage[0]!.paths, 'conf.json')).toBe(true);
    // Before an evaluation (PATH narrowing), from the repository's files alone.
    const [before] = await trackedInputs(root, Object.keys(files));
    expect(covers(before!.paths, 'conf.json')).toBe(true);
  });
});
