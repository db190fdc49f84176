import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hash, pinShow, pinUpdate, pinVerify } from '../../src/index.js';
import { nixtagCli } from '../helpers/cli.js';
import { plainImage } from '../helpers/expressions.js';
import { gitRepo, tempDir } from '../helpers/repo.js';
import { fileTarball } from '../helpers/tarball.js';

const REV_A = 'a'.repeat(40);
const REV_B = 'b'.repeat(40);
const WRONG = '0'.repeat(52);

/** Two nixpkgs stand-ins served as GitHub serves archives, side by side: `<dir>/<rev>.tar.gz`. */
function archives() {
  const a = fileTarball(REV_A, { 'default.nix': '{ ... }: { version = "a"; }\n' });
  const b = fileTarball(REV_B, { 'default.nix': '{ ... }: { version = "b"; }\n' });
  copyFileSync(new URL(b.url), path.join(a.work, `${REV_B}.tar.gz`));
  return { a, b: { ...b, url: `file://${a.work}/${REV_B}.tar.gz` } };
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('nixtag pin', () => {
  it('update --url writes the sha256 Nix prefetches, atomically, and verify accepts it', async () => {
    const { a } = archives();
    const repo = gitRepo({ 'default.nix': plainImage });
    const result = await pinUpdate({ cwd: repo.dir, url: a.url });
    expect(result).toMatchObject({ file: '.nixpkgs-pin.json', changed: true });
    const written = readJson(path.join(repo.dir, '.nixpkgs-pin.json'));
    expect(written).toEqual({ url: a.url, sha256: a.sha256, rev: REV_A });
    // A temporary file renamed over the pin: nothing else is left beside it.
    expect(readdirSync(repo.dir).filter((name) => name.includes('nixtag'))).toEqual([]);
    expect((await pinVerify({ cwd: repo.dir })).pin.sha256).toBe(a.sha256);
    expect((await pinUpdate({ cwd: repo.dir })).changed).toBe(false);
  });

  it('update --rev follows the revision in the url and keeps the other fields', async () => {
    const { a, b } = archives();
    const repo = gitRepo({
      '.nixpkgs-pin.json': `${JSON.stringify({ url: a.url, sha256: a.sha256, rev: REV_A, branch: 'nixos-24.11' }, null, 2)}\n`,
    });
    await pinUpdate({ cwd: repo.dir, rev: REV_B });
    expect(readJson(path.join(repo.dir, '.nixpkgs-pin.json'))).toEqual({
      url: b.url,
      sha256: b.sha256,
      rev: REV_B,
      branch: 'nixos-24.11',
    });
    expect((await pinShow({ cwd: repo.dir })).pin.rev).toBe(REV_B);
  });

  it('the updated pin is what <nixpkgs> resolves to', async () => {
    const { a } = archives();
    const repo = gitRepo({
      'default.nix': `let pkgs = import <nixpkgs> {}; in derivation {
  name = "app-\${pkgs.version}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
}`,
    });
    await pinUpdate({ cwd: repo.dir, url: a.url });
    repo.commit('pin');
    const result = await hash({ cwd: repo.dir, cache: false });
    expect(result.images[0]!.outPath).toMatch(/-app-a$/);
  });

  it('verify exits 2 with Nix figures on a wrong sha256, through the built CLI', () => {
    const { a } = archives();
    const repo = gitRepo({ '.nixpkgs-pin.json': JSON.stringify({ url: a.url, sha256: WRONG, rev: REV_A }) });
    const result = nixtagCli(repo.dir, ['pin', 'verify']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PIN_HASH_MISMATCH');
    expect(result.stderr).toContain(`specified: sha256:${WRONG}`);
    expect(result.stderr).toContain(`got:       sha256:${a.sha256}`);

    expect(result.stderr).toContain('pin update');
    const fixed = nixtagCli(repo.dir, ['pin', 'update']);
    expect(fixed.code).toBe(0);
    // The hooks and CI read the committed pin: the rewritten one is not staged yet, and it says so.
    expect(fixed.stdout).toContain('Stage it with `git add .nixpkgs-pin.json`');
    repo.git('add', '.nixpkgs-pin.json');
    expect(nixtagCli(repo.dir, ['pin', 'update']).stdout).not.toContain('Stage it');
    expect(JSON.parse(nixtagCli(repo.dir, ['pin', 'update', '--json']).stdout)).toMatchObject({ staged: true });
    expect(nixtagCli(repo.dir, ['pin', 'verify']).code).toBe(0);
    const shown = nixtagCli(repo.dir, ['pin', 'show', '--json']);
    expect(JSON.parse(shown.stdout)).toEqual({
      ok: true,
      file: '.nixpkgs-pin.json',
      pin: { url: a.url, sha256: a.sha256, rev: REV_A },
    });
  });

  it('a wrong sha256 also stops evaluation with exit 2 and Nix figures', () => {
    const { a } = archives();
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixpkgs-pin.json': JSON.stringify({ url: a.url, sha256: WRONG }),
    });
    const result = nixtagCli(repo.dir, ['hash']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/specified: +sha256:0{52}/);
    expect(result.stderr).toContain(`got:       sha256:${a.sha256}`);
  });

  it('exits 2 naming the bad field, a rev that is not the url, or a missing pin', () => {
    const repo = gitRepo({ '.nixpkgs-pin.json': JSON.stringify({ url: 'file:///x.tar.gz', sha256: 'abc' }) });
    const invalid = nixtagCli(repo.dir, ['pin', 'show']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("bad field 'sha256'");

    repo.write({ '.nixpkgs-pin.json': JSON.stringify({ url: `file:///${REV_A}.tar.gz`, sha256: WRONG, rev: REV_B }) });
    const mismatch = nixtagCli(repo.dir, ['pin', 'show']);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain(`'rev' is ${REV_B}, but its url downloads ${REV_A}`);

    const empty = gitRepo({ 'default.nix': plainImage });
    const missing = nixtagCli(empty.dir, ['pin', 'verify']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('PIN_MISSING');
    expect(nixtagCli(empty.dir, ['pin', 'update']).code).toBe(2);
    expect(nixtagCli(empty.dir, ['pin', 'update', '--rev', 'main']).stderr).toContain('40-hex');
    expect(nixtagCli(empty.dir, ['pin', 'frobnicate']).code).toBe(2);
  });

  it('update repairs a malformed sha256: it needs only the url (and the rev with --rev); show still refuses it', () => {
    const { a, b } = archives();
    const repo = gitRepo({
      '.nixpkgs-pin.json': JSON.stringify({ url: a.url, sha256: 'TODO', branch: 'nixos-24.11' }),
    });
    expect(nixtagCli(repo.dir, ['pin', 'show']).stderr).toContain("bad field 'sha256'");
    const repaired = nixtagCli(repo.dir, ['pin', 'update']);
    expect(repaired.code, repaired.stderr).toBe(0);
    const pin = path.join(repo.dir, '.nixpkgs-pin.json');
    expect(readJson(pin)).toEqual({ url: a.url, sha256: a.sha256, branch: 'nixos-24.11', rev: REV_A });
    expect(nixtagCli(repo.dir, ['pin', 'verify']).code).toBe(0);

    repo.write({ '.nixpkgs-pin.json': JSON.stringify({ url: a.url, sha256: 'TODO', rev: REV_A }) });
    expect(nixtagCli(repo.dir, ['pin', 'update', '--rev', REV_B]).code).toBe(0);
    expect(readJson(pin)).toEqual({ url: b.url, sha256: b.sha256, rev: REV_B });

    repo.write({ '.nixpkgs-pin.json': JSON.stringify({ url: '', sha256: 'TODO', rev: 'x' }) });
    expect(nixtagCli(repo.dir, ['pin', 'update', '--url', a.url]).code).toBe(0);
    expect(readJson(pin)).toEqual({ url: a.url, sha256: a.sha256, rev: REV_A });

    repo.write({ '.nixpkgs-pin.json': JSON.stringify({ url: '', sha256: 'TODO' }) });
    const noUrl = nixtagCli(repo.dir, ['pin', 'update']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("bad field 'url'");
    expect(noUrl.stderr).not.toContain("'sha256'");

    repo.write({ '.nixpkgs-pin.json': JSON.stringify({ url: a.url, sha256: 'TODO', rev: 'main' }) });
    const badRev = nixtagCli(repo.dir, ['pin', 'update', '--rev', REV_B]);
    expect(badRev.code).toBe(2);
    expect(badRev.stderr).toContain("bad field 'rev'");

    repo.write({ '.nixpkgs-pin.json': JSON.stringify({ url: a.url, sha256: 'TODO', branch: 24.11 }) });
    const badBranch = nixtagCli(repo.dir, ['pin', 'update']);
    expect(badBranch.code).toBe(2);
    expect(badBranch.stderr).toContain("bad field 'branch'");
    expect(readJson(pin)).toEqual({ url: a.url, sha256: 'TODO', branch: 24.11 });
  });

  it('a base16 sha256, which fetchTarball accepts, is a valid pin: shown, verified, evaluated', async () => {
    const { a } = archives();
    const hex = execFileSync('nix-hash', ['--type', 'sha256', '--to-base16', a.sha256], { encoding: 'utf8' }).trim();
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    const repo = gitRepo({
      'default.nix': `let pkgs = import <nixpkgs> {}; in derivation {
  name = "app-\${pkgs.version}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
}`,
      '.nixpkgs-pin.json': JSON.stringify({ url: a.url, sha256: hex }),
    });
    expect((await pinShow({ cwd: repo.dir })).pin.sha256).toBe(hex);
    expect((await pinVerify({ cwd: repo.dir })).pin.sha256).toBe(hex);
    expect((await hash({ cwd: repo.dir, cache: false })).images[0]!.outPath).toMatch(/-app-a$/);
  });

  it('a url that cannot be downloaded is a failing tool (exit 3)', () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    const result = nixtagCli(repo.dir, ['pin', 'update', '--url', `file://${tempDir()}/missing.tar.gz`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('FETCH_FAILED');
  });
});
