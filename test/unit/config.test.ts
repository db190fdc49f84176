import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { NixtagError } from '../../src/errors.js';

describe('parseConfig', () => {
  it('fills the defaults of the contract', () => {
    expect(parseConfig({}, undefined)).toEqual({
      system: 'x86_64-linux',
      checkoutName: 'source',
      pin: '.nixpkgs-pin.json',
      allowImportFromDerivation: false,
      submodules: true,
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
    expect(error?.detail).toContain(`${keyPath}`);
  });
});
