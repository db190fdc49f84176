import { describe, expect, it } from 'vitest';
import { fileInputs } from '../../src/nix/source/fileInputs.js';

/** Which texts read the evaluating Nix's version (adv13 F12), as the source reader reads them. */
const readsVersion = (text: string) => fileInputs('default.nix', text).readsVersion;

describe('a read of the evaluating Nix’s version', () => {
  it.each([
    'builtins.nixVersion',
    'builtins.langVersion',
    '__nixVersion',
    'with builtins; nixVersion',
    'let inherit (builtins) nixVersion; in nixVersion',
    'builtins.getAttr "nixVersion" builtins',
  ])('%s', (text) => {
    expect(readsVersion(text)).toMatchObject({ kind: 'environment', version: true, at: 'default.nix:1' });
  });

  it.each(['{ nixVersion = "2.26"; }', '{ nixVersion ? "2.26" }: 1', '# builtins.nixVersion\n1'])(
    'none in %s',
    (text) => {
      expect(readsVersion(text)).toBeUndefined();
    },
  );
});
