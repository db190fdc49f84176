import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluationArgs, prefetchArgs } from '../../src/nix/commandLine.js';
import { batchExpression } from '../../src/nix/expression.js';
import { sha256Nix32, toNix32 } from '../../src/nix/nix32.js';
import { checkPinConsistent, readPin, revisionInUrl } from '../../src/nix/pin.js';
import { tempDir, writeFiles } from '../helpers/repo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the repository’s own .nixpkgs-pin.json', () => {
  it('is valid, and its rev is the revision its url downloads', async () => {
    const pin = await readPin(path.join(ROOT, '.nixpkgs-pin.json'), '.nixpkgs-pin.json');
    expect(pin).toBeDefined();
    expect(pin!.rev).toMatch(/^[0-9a-f]{40}$/);
    expect(revisionInUrl(pin!.url)).toBe(pin!.rev);
    expect(pin!.url).toBe(`https://github.com/NixOS/nixpkgs/archive/${pin!.rev}.tar.gz`);
    expect(() => checkPinConsistent(pin!, '.nixpkgs-pin.json')).not.toThrow();
  });
});

describe('nix-base32', () => {
  it('encodes as Nix does (the sha256 of nothing, as nix-hash --base32 prints it)', () => {
    const empty = createHash('sha256').update('').digest();
    expect(toNix32(empty)).toBe('0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73');
    expect(sha256Nix32(`sha256-${empty.toString('base64')}`)).toBe(toNix32(empty));
    expect(sha256Nix32('0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73')).toBe(toNix32(empty));
  });

  it('reads a base16 sha256 (64 hex, as fetchTarball accepts it) as the same hash', () => {
    const empty = createHash('sha256').update('').digest();
    expect(sha256Nix32(empty.toString('hex'))).toBe(toNix32(empty));
    expect(sha256Nix32(empty.toString('hex').toUpperCase())).toBe(toNix32(empty));
  });
});

describe('pin files', () => {
  it('take a sha256 in nix-base32, base16 or SRI form, and nothing else', async () => {
    const empty = createHash('sha256').update('').digest();
    const dir = tempDir();
    const read = (sha256: string) => {
      writeFiles(dir, { 'pin.json': JSON.stringify({ url: 'https://example.org/n.tar.gz', sha256 }) });
      return readPin(path.join(dir, 'pin.json'), 'pin.json');
    };
    for (const sha256 of [toNix32(empty), empty.toString('hex'), `sha256-${empty.toString('base64')}`]) {
      expect((await read(sha256))?.sha256).toBe(sha256);
    }
    for (const sha256 of ['TODO', empty.toString('hex').slice(1), `${toNix32(empty)}e`]) {
      await expect(read(sha256)).rejects.toMatchObject({ code: 'PIN_INVALID' });
    }
  });
});

describe('pin command lines', () => {
  const settings = { system: 'aarch64-darwin', allowImportFromDerivation: false, nixpkgs: '/nix/store/x-source' };

  /** The value of `--option NAME VALUE` in a command line. */
  const option = (args: readonly string[], name: string) =>
    args.find((arg, index) => args[index - 1] === '--option' && arg === name) === undefined
      ? undefined
      : args[args.findIndex((arg, index) => args[index - 1] === '--option' && arg === name) + 1];

  it('prefetch with the options evaluation uses: the configured system, no substituters', () => {
    const args = prefetchArgs(settings, 'https://example.org/a.tar.gz');
    const evaluation = evaluationArgs(settings, batchExpression([]));
    for (const name of ['system', 'substituters', 'allow-import-from-derivation']) {
      expect(option(args, name)).toBe(option(evaluation, name));
    }
    expect(option(args, 'system')).toBe('aarch64-darwin');
    expect(option(args, 'substituters')).toBe('');
    expect(args.slice(-6)).toEqual([
      '--type',
      'sha256',
      '--unpack',
      '--name',
      'source',
      'https://example.org/a.tar.gz',
    ]);
    expect(args).not.toContain('-I');
  });

  it('finds the revision a url names', () => {
    expect(revisionInUrl(`https://github.com/NixOS/nixpkgs/archive/${'a'.repeat(40)}.tar.gz`)).toBe('a'.repeat(40));
    expect(revisionInUrl('https://github.com/NixOS/nixpkgs/archive/nixos-24.11.tar.gz')).toBeUndefined();
  });
});
