import { describe, expect, it } from 'vitest';
import { fileInputs } from '../../src/nix/source/fileInputs.js';

/** Which fetches leave a tag to upstream's day (adv13 F8), as the source reader reads them. */
const moving = (text: string) => fileInputs('default.nix', text).moving;

describe('an unpinned fetch moves the tag with upstream', () => {
  it.each([
    'builtins.fetchTarball "https://example.org/x.tar.gz"',
    'builtins.fetchTarball https://example.org/x.tar.gz',
    'builtins.fetchTarball { url = "https://example.org/x.tar.gz"; }',
    'builtins.fetchurl "https://example.org/x"',
    'builtins.fetchGit "https://example.org/x.git"',
    'builtins.fetchGit { url = "https://example.org/x.git"; ref = "main"; }',
    'builtins.fetchTree { type = "tarball"; url = "https://example.org/x.tar.gz"; }',
    'with builtins; fetchTarball url',
    '__fetchTarball "https://example.org/x.tar.gz"',
    'map builtins.fetchTarball urls',
    'let f = builtins.fetchTarball; in f "https://example.org/x.tar.gz"',
    'let pin = { url = "https://example.org/x.tar.gz"; }; in builtins.fetchTarball pin',
    'builtins.fetchTarball ({ url = "https://example.org/x.tar.gz"; } // extra)',
  ])('%s', (text) => {
    expect(moving(text)).toMatchObject({ kind: 'environment', pin: true, at: 'default.nix:1' });
  });

  it.each([
    'builtins.fetchTarball { url = "https://example.org/x.tar.gz"; sha256 = "0000000000000000000000000000000000000000000000000000"; }',
    'builtins.fetchurl { url = "https://example.org/x"; hash = "sha256-AAAA"; }',
    'builtins.fetchGit { url = "https://example.org/x.git"; rev = "0123456789012345678901234567890123456789"; }',
    'builtins.fetchTree { type = "tarball"; url = "https://example.org/x.tar.gz"; narHash = "sha256-AAAA"; }',
    'builtins.fetchTarball { inherit (pin) url sha256; }',
    'let pin = { url = "https://example.org/x.tar.gz"; sha256 = "00"; }; in builtins.fetchTarball pin',
    '{ url, sha256 }@args: builtins.fetchTarball args',
    'builtins.fetchGit ./.',
    'builtins.fetchGit { url = ./.; ref = "main"; rev = "0123456789012345678901234567890123456789"; }',
    'builtins.fetchTree { type = "path"; path = ./.; }',
    '{ stdenv, fetchurl }: fetchurl { url = "https://example.org/x"; sha256 = "00"; }',
    'let inherit (builtins) fetchTarball; in 1',
    '# builtins.fetchTarball "https://example.org/x.tar.gz" in a comment\n1',
  ])('pinned or local: %s', (text) => {
    expect(moving(text)).toBeUndefined();
  });

  it.each([
    'builtins.fetchGit { url = ./.; ref = "main"; }',
    'let b = "main"; in builtins.fetchGit { url = ./.; ref = b; }',
    'builtins.fetchGit { url = "${./.}"; inherit ref; }',
  ])('the repository by branch, whose commit is the clone’s: %s', (text) => {
    expect(moving(text)).toMatchObject({ kind: 'environment', branch: true, at: 'default.nix:1' });
  });
});
