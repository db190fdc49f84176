import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { NixtagError } from '../../src/errors.js';
import { tempDir } from '../helpers/repo.js';

describe('parseConfig', () => {
  it('fills the defaults of the contract', () => {
    expect(parseConfig({}, undefined)).toEqual({
      system: 'x86_64-linux',
      checkoutName: 'source',
      pin: '.nixpkgs-pin.json',
      allowImportFromDerivation: false,
      submodules: true,
      lfs: false,
      whenCommitDependent: 'warn',
      evaluation: { timeout: 300, memoryLimit: null, restrictEval: false, allowedUris: [] },
      nixVersion: null,
      whenNixMissing: 'fail',
      registry: { insecure: [] },
    });
    const config = parseConfig({ images: [{ name: 'a', repository: 'lewo/a' }] }, 'x');
    expect(config.images![0]).toEqual({
      name: 'a',
      nix: 'default.nix',
      attr: null,
      args: {},
      repository: 'lewo/a',
      tagFrom: 'outPath',
      optional: false,
    });
  });

  it.each([
    [{ system: 3 }, 'system'],
    [{ checkoutName: 'a/b' }, 'checkoutName'],
    [{ pin: '../../etc/shadow' }, 'pin'],
    [{ pin: '/etc/shadow' }, 'pin'],
    [{ images: [{ name: 'a', repository: 'lewo/a', nix: 'x/../../a.nix' }] }, 'images[0].nix'],
    [{ images: [{ name: 'a', repository: 'lewo/a', manifests: ['../*.yaml'] }] }, 'images[0].manifests[0]'],
    [{ evaluation: { timeout: 0 } }, 'evaluation.timeout'],
    [{ evaluation: { allowedUris: ['a b'] } }, 'evaluation.allowedUris[0]'],
    [{ nixVersion: 'latest' }, 'nixVersion'],
    [{ images: [] }, 'images'],
    [{ images: [{ name: 'a', repository: 'x:1' }] }, 'images[0].repository'],
    [{ images: [{ name: 'a', repository: 'x', typo: 1 }] }, 'images[0]'],
    [
      {
        images: [
          { name: 'a', repository: 'x' },
          { name: 'a', repository: 'y' },
        ],
      },
      'images[1].name',
    ],
    [{ images: [{ name: 'a', repository: 'x', args: { 'bad name': 'v' } }] }, 'images[0].args'],
    [{ registry: { insecure: 'host' } }, 'registry.insecure'],
  ])('names the key path of %j', (raw, keyPath) => {
    let error: NixtagError | undefined;
    try {
      parseConfig(raw, '.nixtagrc.yaml');
    } catch (caught) {
      error = caught as NixtagError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    // One issue is the message itself; several are listed in the detail.
    expect(`${error?.message}\n${error?.detail ?? ''}`).toContain(`${keyPath}`);
  });

  it('lists several issues in the detail, one per line', () => {
    const error = (() => {
      try {
        parseConfig({ system: 3, pin: '/etc/shadow' }, '.nixtagrc.yaml');
      } catch (caught) {
        return caught as NixtagError;
      }
    })();
    expect(error?.message).toBe('Invalid nixtag configuration in .nixtagrc.yaml:');
    expect(error?.detail?.split('\n')).toEqual([expect.stringContaining('system: '), expect.stringContaining('pin: ')]);
  });
});

describe('an unknown key', () => {
  it.each([
    ['.nixtagrc.yaml', 'imags:\n  - name: app\n    repository: x/app\n', 'imags', "did you mean 'images'", 1, 1],
    [
      '.nixtagrc.yaml',
      'images:\n  - name: app\n    repositry: x/app\n',
      'images[0].repositry',
      "did you mean 'repository'",
      3,
      5,
    ],
    [
      '.nixtagrc.json',
      '{\n  "system": "x86_64-linux",\n  "chekoutName": "src"\n}\n',
      'chekoutName',
      "did you mean 'checkoutName'",
      3,
      3,
    ],
    [
      'package.json',
      '{\n  "name": "app",\n  "nixtag": {\n    "evaluation": { "timout": 5 }\n  }\n}\n',
      'evaluation.timout',
      "did you mean 'timeout'",
      4,
      21,
    ],
  ])(
    'in %s is located at its line and column, with the key it is closest to',
    async (file, text, key, meant, line, column) => {
      const root = tempDir();
      writeFileSync(path.join(root, file), text);
      const error = (await loadConfig(root).catch((caught: unknown) => caught)) as NixtagError;
      expect(error.code).toBe('CONFIG_INVALID');
      expect(`${error.message}\n${error.detail ?? ''}`).toContain(`${key}: unknown key; ${meant}?`);
      expect(error.location).toEqual({ file, line, column });
    },
  );

  it('far from every known key, lists the keys allowed there', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, '.nixtagrc.yaml'), 'registry:\n  mirrors: []\n');
    const error = (await loadConfig(root).catch((caught: unknown) => caught)) as NixtagError;
    expect(error.message).toContain("registry.mirrors: unknown key; the keys here are 'insecure'");
    expect(error.location).toEqual({ file: '.nixtagrc.yaml', line: 2, column: 3 });
  });
});

describe("loadConfig with cosmiconfig's $import", () => {
  function directory(files: Record<string, string>): string {
    const root = tempDir();
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    return root;
  }

  it('names every file imported, at any depth, relative to the root', async () => {
    const root = directory({
      '.nixtagrc.yaml': '$import: [conf/a.yaml]\ncheckoutName: x\n',
      'conf/a.yaml': '$import: ../shared/b.json\nsystem: aarch64-linux\n',
      'shared/b.json': '{ "pin": "pin.json" }\n',
    });
    const loaded = await loadConfig(root);
    expect(loaded.file).toBe('.nixtagrc.yaml');
    expect(loaded.imports.sort()).toEqual(['conf/a.yaml', 'shared/b.json']);
    expect(loaded.config).toMatchObject({ checkoutName: 'x', system: 'aarch64-linux', pin: 'pin.json' });
  });

  it('refuses an import that is not there instead of taking no configuration', async () => {
    const root = directory({ '.nixtagrc.yaml': '$import: missing.yaml\n' });
    const error = (await loadConfig(root).catch((thrown: unknown) => thrown)) as NixtagError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('missing.yaml');
  });

  it('points at the file that names the missing import, at any depth, with what to do', async () => {
    const root = directory({ '.nixtagrc.yaml': '$import: conf/a.yaml\n', 'conf/a.yaml': '$import: gone.json\n' });
    const error = (await loadConfig(root).catch((thrown: unknown) => thrown)) as NixtagError;
    expect(error).toBeInstanceOf(NixtagError);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.location).toEqual({ file: 'conf/a.yaml' });
    expect(error.message).toBe('The nixtag configuration conf/a.yaml imports gone.json ($import), which is not there.');
    expect(error.hint).toMatch(/\$import/);
  });
});
