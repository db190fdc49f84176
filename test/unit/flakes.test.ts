import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { NixtagError } from '../../src/errors.js';
import { nixString } from '../../src/nix/flakeExpression.js';
import { candidatePaths, installableText, parseInstallable } from '../../src/nix/flakeInstallable.js';
import { lockedStorePath } from '../../src/nix/flakeLock.js';
import { flakeReads } from '../../src/nix/source/flakeReads.js';

describe('installables', () => {
  it.each([
    ['.#image', { directory: '', fragment: ['image'] }],
    ['.', { directory: '', fragment: undefined }],
    ['.#', { directory: '', fragment: undefined }],
    ['./services/api#image', { directory: 'services/api', fragment: ['image'] }],
    ['./services/api/', { directory: 'services/api', fragment: undefined }],
    ['path:.#web', { directory: '', fragment: ['web'] }],
    [
      '.#packages.x86_64-linux."registry/web"',
      { directory: '', fragment: ['packages', 'x86_64-linux', 'registry/web'] },
    ],
    ['.#%22a.b%22.c', { directory: '', fragment: ['a.b', 'c'] }],
  ])('%s', (text, expected) => {
    expect(parseInstallable(text)).toEqual(expected);
  });

  it.each([
    'nixpkgs#hello',
    'github:owner/repo#image',
    '/abs/flake#x',
    '../other#x',
    './a/../..#x',
    '.#a..b',
    '.#"open',
  ])('refuses %s', (text) => {
    expect(parseInstallable(text)).toHaveProperty('error');
  });

  it('tries packages.<system>, then legacyPackages.<system>, then the path as given; a flake alone its default', () => {
    const installable = { directory: '', fragment: ['web'] };
    expect(candidatePaths(installable, 'aarch64-linux')).toEqual([
      ['packages', 'aarch64-linux', 'web'],
      ['legacyPackages', 'aarch64-linux', 'web'],
      ['web'],
    ]);
    expect(candidatePaths({ directory: '', fragment: undefined }, 'x86_64-linux')[0]).toEqual([
      'packages',
      'x86_64-linux',
      'default',
    ]);
    expect(installableText('api', ['packages', 'x86_64-linux', 'registry/web'])).toBe(
      './api#packages.x86_64-linux."registry/web"',
    );
  });
});

describe('the flake key of an image', () => {
  it('stands for nix, and refuses what a flake output cannot take', () => {
    const config = parseConfig({ images: [{ name: 'a', flake: './api#image', repository: 'r/a' }] }, 'x');
    expect(config.images![0]).toMatchObject({ flake: './api#image', nix: 'api/flake.nix', attr: null, args: {} });
    for (const extra of [{ nix: 'default.nix' }, { attr: 'x' }, { args: { a: 'b' } }, { flake: 'nixpkgs#hello' }]) {
      let error: unknown;
      try {
        parseConfig({ images: [{ name: 'a', flake: '.#image', repository: 'r/a', ...extra }] }, 'x');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(NixtagError);
      // One issue is said in the message, several in the detail.
      const { message, detail } = error as NixtagError;
      expect(`${message}\n${detail ?? ''}`).toMatch(/images\[0\]\.(nix|attr|args|flake)/);
    }
  });
});

describe('Nix text that carries data', () => {
  it('a string literal no data can end or interpolate into', () => {
    expect(nixString('a"b\\c${d}$e')).toBe('"a\\"b\\\\c\\${d}\\$e"');
  });
});

describe('the store path of a locked input', () => {
  it('is the fixed-output path named source of its narHash (as 2.8 and 2.26 fetch it)', () => {
    // Measured: a tarball of the fixture's nixpkgs lib, fetched by Nix 2.8.
    expect(lockedStorePath('sha256-tiLkZloLUsCZAzb8m/6Fm4wIkFEP8OKt5htv5k2EXDg=', '/nix/store')).toBe(
      '/nix/store/4075s6j1m3rmhn5l0f64wazlpfqfn6sm-source',
    );
    expect(lockedStorePath('sha1-xyz', '/nix/store')).toBeUndefined();
  });
});

describe('what a flake file reads of the flake itself', () => {
  it.each([
    ['{ outputs = { self, nixpkgs }: { p = nixpkgs.lib.x { src = ./app; y = self.packages.x; }; }; }', {}],
    ['{ outputs = { self }: { v = self.shortRev or "dirty"; }; }', { commit: 'self.shortRev' }],
    ['{ outputs = { self }: { v = "${self}/app"; }; }', { wholeTree: 'self', commit: 'self' }],
    ['{ outputs = { self }: { v = self.outPath; }; }', { wholeTree: 'self.outPath' }],
    [
      '{ outputs = { self }: { v = self.sourceInfo.rev; }; }',
      { wholeTree: 'self.sourceInfo', commit: 'self.sourceInfo' },
    ],
    [
      '{ outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } { }; }',
      {
        wholeTree: "inputs (the flake's inputs, self among them)",
        commit: "inputs (the flake's inputs, self among them)",
      },
    ],
    ['{ outputs = inputs: let inherit (inputs) self nixpkgs; in { v = self.packages; }; }', {}],
    ['{ outputs = { self }: let inherit (self) rev; in { v = rev; }; }', { commit: 'inherit rev' }],
    ['{ outputs = { self }: { p = import ./image.nix { inherit self; }; }; }', { wholeTree: 'self', commit: 'self' }],
    ['{ outputs = { self }: { v = builtins.getAttr "rev" self; }; }', { commit: '"rev"', wholeTree: 'self' }],
    ['{ outputs = { self }: { v = self.${"rev"}; }; }', { wholeTree: 'self.${…}', commit: 'self.${…}' }],
    ['{ # self.rev, in a comment\n outputs = { self }: { }; }', {}],
    ['{ outputs = { self }: { v = fetchFromGitHub { rev = "abc"; }; }; }', {}],
    ['{ self ? null, pkgs }: pkgs.x', {}],
    ['{ outputs = { self }: { overlays.default = final: prev: { x = final.y; }; }; }', {}],
  ])('%s', (text, expected) => {
    const reads = flakeReads(text);
    const constructs = Object.fromEntries(Object.entries(reads).map(([kind, place]) => [kind, place?.construct]));
    expect(constructs).toMatchObject(expected);
    for (const kind of ['wholeTree', 'commit'] as const) {
      if (!(kind in expected)) expect(reads[kind]).toBeUndefined();
    }
  });
});
