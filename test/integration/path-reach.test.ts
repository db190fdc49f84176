import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { covers } from '../../src/nix/source/inputSet.js';
import { testEnv } from '../helpers/repo.js';
import { trackedInputs, writeFiles } from '../helpers/tracker.js';

/**
 * A third adversarial round on the input tracker (issue 20, item 4): programs that read a file
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
