import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { confine } from '../../src/config/confinement.js';
import { loadConfig, parseConfig, readExplicitConfig } from '../../src/config/load.js';
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
      evaluation: { timeout: 300, memoryLimit: null, restrictEval: true, allowedUris: [] },
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

function directory(files: Record<string, string>): string {
  const root = tempDir();
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe("loadConfig with cosmiconfig's $import", () => {
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

/** A configuration file that is code and leaves a mark when it runs. */
const code = (marker: string, module: 'cjs' | 'esm' = 'cjs') =>
  `${module === 'cjs' ? 'require("node:fs")' : '(await import("node:fs"))'}.writeFileSync(${JSON.stringify(marker)}, "ran");\n${
    module === 'cjs' ? 'module.exports =' : 'export default'
  } { checkoutName: "from-code" };\n`;

describe('loadConfig with dataOnly (CI mode)', () => {
  const refused = async (load: Promise<unknown>) => (await load.catch((thrown: unknown) => thrown)) as NixtagError;

  it.each([
    ['nixtag.config.js', 'cjs'],
    ['.nixtagrc.cjs', 'cjs'],
    ['.nixtagrc.mjs', 'esm'],
    ['nixtag.config.mjs', 'esm'],
  ] as const)('refuses %s before it runs, and without dataOnly it runs', async (name, module) => {
    const marker = path.join(tempDir('marker-'), 'ran');
    const root = directory({ [name]: code(marker, module) });
    const error = await refused(loadConfig(root, undefined, { dataOnly: true }));
    expect(error.code).toBe('CONFIG_IS_CODE');
    expect(error.location?.file).toBe(name);
    expect(error.hint).toContain('.nixtagrc.yaml');
    expect(existsSync(marker)).toBe(false);
    expect((await loadConfig(root)).config.checkoutName).toBe('from-code');
    expect(existsSync(marker)).toBe(true);
  });

  it('refuses a TypeScript configuration, and a data configuration that imports code', async () => {
    const marker = path.join(tempDir('marker-'), 'ran');
    const typescript = directory({ 'nixtag.config.ts': 'export default { checkoutName: "ts" };\n' });
    expect((await refused(loadConfig(typescript, undefined, { dataOnly: true }))).code).toBe('CONFIG_IS_CODE');
    const importing = directory({ '.nixtagrc.yaml': '$import: shared.cjs\n', 'shared.cjs': code(marker) });
    const error = await refused(loadConfig(importing, undefined, { dataOnly: true }));
    expect(error.code).toBe('CONFIG_IS_CODE');
    expect(error.location?.file).toBe('shared.cjs');
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses --config FILE.js and loads every data format', async () => {
    const marker = path.join(tempDir('marker-'), 'ran');
    const root = directory({ 'ci/nixtag.cjs': code(marker) });
    const explicit = await readExplicitConfig(root, 'ci/nixtag.cjs');
    expect((await refused(loadConfig(root, explicit, { dataOnly: true }))).code).toBe('CONFIG_IS_CODE');
    expect(existsSync(marker)).toBe(false);
    for (const [name, text] of [
      ['.nixtagrc.yaml', 'checkoutName: data\n'],
      ['.nixtagrc.json', '{"checkoutName": "data"}'],
      ['.nixtagrc', 'checkoutName: data\n'],
      ['package.json', '{"name": "x", "nixtag": {"checkoutName": "data"}}'],
    ]) {
      const loaded = await loadConfig(directory({ [name!]: text! }), undefined, { dataOnly: true });
      expect(loaded.config.checkoutName, name).toBe('data');
    }
  });

  it("never runs cosmiconfig's meta configuration (.config/config.js) of the working directory", async () => {
    const marker = path.join(tempDir('marker-'), 'ran');
    const root = directory({ '.config/config.js': code(marker), '.nixtagrc.yaml': 'checkoutName: data\n' });
    const cwd = process.cwd();
    process.chdir(root);
    try {
      expect((await loadConfig(root)).config.checkoutName).toBe('data');
      expect((await loadConfig(root, undefined, { dataOnly: true })).config.checkoutName).toBe('data');
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(marker)).toBe(false);
  });
});

describe('confine', () => {
  const configured = parseConfig(
    {
      allowImportFromDerivation: true,
      evaluation: { restrictEval: false, allowedUris: ['http://repo.example/'] },
      registry: { insecure: ['repo.example:5000'] },
    },
    '.nixtagrc.yaml',
  );

  it('keeps confinement on and the URLs to the command line, whatever the configuration says', () => {
    const confined = confine(configured, { ci: false, allowedUris: ['https://ok.example/'], insecureRegistries: [] });
    expect(confined.evaluation).toMatchObject({ restrictEval: true, allowedUris: ['https://ok.example/'] });
    expect(confined.allowImportFromDerivation).toBe(false);
    // --restrict-eval alone leaves the registry settings to the configuration; CI mode does not.
    expect(confined.registry.insecure).toEqual(['repo.example:5000']);
    const ci = confine(configured, { ci: true, allowedUris: [], insecureRegistries: ['ci.example:5000'] });
    expect(ci.evaluation).toMatchObject({ restrictEval: true, allowedUris: [] });
    expect(ci.registry.insecure).toEqual(['ci.example:5000']);
  });

  it('changes nothing without a confinement from the command line', () => {
    expect(confine(configured, undefined)).toBe(configured);
  });
});
