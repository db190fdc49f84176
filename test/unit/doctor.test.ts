import { describe, expect, it } from 'vitest';
import { explainsFailure, IFD_ERROR_LINE, RULES, type ImageEvidence } from '../../src/doctor/rules.js';
import { filesInTree, nixError, SourceScanner, tracePosition } from '../../src/doctor/scan.js';
import { placesOfMissing } from '../../src/doctor/submodules.js';
import { compareVersions, nixVersionOf } from '../../src/nix/version.js';
import { messages } from '../../src/messages.js';
import { tempDir, writeFiles } from '../helpers/repo.js';

const evidence = (more: Partial<ImageEvidence> = {}): ImageEvidence => ({
  image: 'app',
  nix: 'default.nix',
  files: ['default.nix'],
  failure: undefined,
  probes: {},
  probeFailures: {},
  ...more,
});
const rule = (code: string) => RULES.find((candidate) => candidate.code === code)!;
const context = { pinned: false, allowImportFromDerivation: false };

describe('the findings table', () => {
  it('has one row per code', () => {
    expect(new Set(RULES.map((row) => row.code)).size).toBe(RULES.length);
  });

  it('fires nothing on evidence where every probe kept the tag', () => {
    const same = evidence({
      probes: {
        control: 'same',
        checkoutName: 'same',
        gitMetadata: 'same',
        untracked: 'same',
        commit: 'same',
        environment: 'same',
        system: 'same',
        manifests: 'same',
      },
    });
    expect(RULES.filter((row) => row.fires(same, context, false)).map((row) => row.code)).toEqual([]);
  });

  it('takes a moved commit tag for commitId only when .git alone does not explain it, or the text says so', () => {
    const both = evidence({ probes: { commit: 'differs', gitMetadata: 'differs' } });
    expect(rule('commitId').fires(both, context, false)).toBe(false);
    expect(rule('commitId').fires(both, context, true)).toBe(true);
    expect(rule('commitId').fires(evidence({ probes: { commit: 'differs' } }), context, false)).toBe(true);
  });

  it('makes import-from-derivation a note when the configuration allows it', () => {
    const refused = evidence({
      probeFailures: {
        importFromDerivation:
          "error: cannot build '/nix/store/x.drv' during evaluation because the option 'allow-import-from-derivation' is disabled",
      },
    });
    expect(rule('importFromDerivation').fires(refused, context, false)).toBe(true);
    expect(rule('importFromDerivation').differsFromCi({ ...context, allowImportFromDerivation: true })).toBe(false);
    expect(rule('importFromDerivation').differsFromCi(context)).toBe(true);
  });

  it('does not count <nixpkgs> when a pin serves it, but any other search path', () => {
    const counts = rule('nixPath').counts!;
    expect(counts('<nixpkgs>', { ...context, pinned: true })).toBe(false);
    expect(counts('<nixpkgs/lib>', { ...context, pinned: true })).toBe(false);
    expect(counts('<nixpkgs>', context)).toBe(true);
    expect(counts('<home-manager>', { ...context, pinned: true })).toBe(true);
  });
});

describe("reading Nix's log", () => {
  it('keeps the evaluated files inside the tree, once each, in order', () => {
    const files = [
      '/tmp/t/source/default.nix',
      '/nix/store/abc-source/lib/default.nix',
      '/tmp/t/source/nix/app.nix',
      '/tmp/t/source/default.nix',
    ];
    expect(filesInTree(files, '/tmp/t/source')).toEqual(['default.nix', 'nix/app.nix']);
  });

  it('finds the first position in the tree of an error trace, and the error without the chatter', () => {
    const log =
      "evaluating file '/tmp/t/source/default.nix'\nerror: cannot build\n\n       at /nix/store/x-lib/a.nix:1:1:\n       at /tmp/t/source/default.nix:3:7:\n";
    expect(tracePosition(log, '/tmp/t/source')).toEqual({ file: 'default.nix', line: 3, column: 7 });
    expect(nixError(log).startsWith('error: cannot build')).toBe(true);
  });

  it("points at the import in both trace orders: Nix 2.8's (error first) and current ones' (error last)", () => {
    const frames = (lines: string[]) => lines.join('\n');
    const current = frames([
      'error:',
      '       … while evaluating the derivation attribute',
      '         at /tmp/t/source/default.nix:6:3:',
      "       … while calling the 'import' builtin",
      '         at /tmp/t/source/default.nix:3:7:',
      "       … while realising the context of path '/nix/store/x-gen'",
      "       error: cannot build '/nix/store/x-gen.drv^out' during evaluation because the option 'allow-import-from-derivation' is disabled",
    ]);
    const old = frames([
      "error: cannot build '/nix/store/x-gen.drv' during evaluation because the option 'allow-import-from-derivation' is disabled",
      "       … while realising the context of path '/nix/store/x-gen'",
      '       at /tmp/t/source/default.nix:3:7:',
      '       … while evaluating the derivation attribute',
      '       at /tmp/t/source/default.nix:6:3:',
    ]);
    for (const log of [current, old]) {
      expect(tracePosition(log, '/tmp/t/source', IFD_ERROR_LINE)).toEqual({ file: 'default.nix', line: 3, column: 7 });
    }
  });

  it('locates constructs, but not in comments', async () => {
    const root = tempDir();
    writeFiles(root, {
      'default.nix': '# src = ./.;\nsrc = ./.; # ./.\nname = "a#${./.}";\n/* ./.\n ./. */ x = ./.;\n',
    });
    const hits = await new SourceScanner(root).hits(['default.nix'], rule('gitMetadata').construct!);
    expect(hits.map(({ line, column }) => [line, column])).toEqual([
      [2, 7],
      [3, 13],
      [5, 13],
    ]);
  });

  it('locates constructs in the code of a file, never in its strings', async () => {
    const root = tempDir();
    const text = [
      'description = "reads no builtins.getEnv and no <nixpkgs>";',
      'escaped = "a \\" getEnv \\${getEnv} $${getEnv}";',
      "long = ''",
      "  getEnv <nixpkgs> ''${getEnv} ''' getEnv $${getEnv}",
      "  \" getEnv '' + getEnv;",
      'both = "${builtins.getEnv "HOME"}-${"getEnv"}" + \'\'${ { a = getEnv; }.a + "\'\'" }\'\';',
      "primed = x'' : getEnv;",
      'site = http://example.org/*; uri = x:getEnv; after = getEnv;',
      '',
    ].join('\n');
    writeFiles(root, { 'default.nix': text });
    const scanner = new SourceScanner(root);
    const where = async (construct: RegExp) =>
      (await scanner.hits(['default.nix'], construct)).map(({ line, column }) => [line, column]);
    expect(await where(rule('environment').construct!)).toEqual([
      [5, 17],
      [6, 20],
      [6, 61],
      [7, 16],
      [8, 54],
    ]);
    expect(await where(rule('nixPath').construct!)).toEqual([]);
  });
});

describe('missing submodules', () => {
  it('point at their .gitmodules entry, a nested one in its parent, and are fetched from there', async () => {
    const root = tempDir();
    writeFiles(root, {
      '.gitmodules': '[submodule "lib"]\n\tpath = vendor/lib\n\turl = ../lib\n',
      'vendor/lib/.gitmodules': '[submodule "deep"]\n  path = "deep"\n',
    });
    const places = await placesOfMissing(root, [
      { path: 'vendor/lib', oid: 'a'.repeat(40) },
      { path: 'vendor/lib/deep', oid: 'b'.repeat(40) },
      { path: 'other', oid: 'c'.repeat(40) },
    ]);
    expect(places.map(({ file, line, column }) => [file, line, column])).toEqual([
      ['.gitmodules', 2, 2],
      ['vendor/lib/.gitmodules', 2, 3],
      ['other', null, null],
    ]);
    const fix = (index: number) => messages.doctor.submoduleMissing.fix({ submodule: places[index]!.submodule! });
    expect(fix(0)).toContain('`git submodule update --init --recursive -- vendor/lib`');
    expect(fix(1)).toContain('`git -C vendor/lib submodule update --init --recursive -- deep`');
  });

  it('explain a failure that names a path inside them, and no other', () => {
    const missing = {
      file: '.gitmodules',
      line: 2,
      column: 2,
      submodule: { path: 'vendor/lib', commit: 'a', within: '' },
    };
    const withMissing = { ...context, missingSubmodules: [missing] };
    const error = (file: string) => `error: getting status of '/tmp/t/source/${file}': No such file or directory`;
    expect(explainsFailure('submoduleMissing', error('vendor/lib/lib.nix'), withMissing)).toBe(true);
    expect(explainsFailure('submoduleMissing', error('vendor/library.nix'), withMissing)).toBe(false);
    expect(explainsFailure('submoduleMissing', error('vendor/lib/lib.nix'), context)).toBe(false);
  });
});

describe('Nix versions', () => {
  it('reads the version and compares as far as the configuration writes it', () => {
    expect(nixVersionOf('nix-instantiate (Nix) 2.8.0')).toBe('2.8.0');
    expect(compareVersions('2.26.3', '2.26')).toBe(0);
    expect(compareVersions('2.8.0', '2.26')).toBe(-1);
    expect(compareVersions('2.26.3', '2.18.1')).toBe(1);
  });
});
