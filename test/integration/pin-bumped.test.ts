import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check, doctor, hash } from '../../src/index.js';
import { deployment } from '../helpers/expressions.js';
import { ciFlakeEval, emptyStoreEval, flakeDrv, hashOf } from '../helpers/flakes.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo, n2k8sTag, tempDir } from '../helpers/repo.js';
import { fileTarball } from '../helpers/tarball.js';
import { freshClone } from '../helpers/trees.js';

/**
 * A pin whose url is bumped and whose sha256 is kept (adv13 F18): a store that holds the old
 * sha256's path never fetches the new url (Nix 2.8), so the evaluation passes here while CI's
 * empty store fails on a hash mismatch. A pin not seen before is checked against its url, as
 * `pin verify` does (this file runs on Nix 2.8 and 2.26).
 */

const REPO = 'registry.example/app';
const config = `images:\n  - name: app\n    repository: ${REPO}\n    manifests: [k8s/app.yaml]\n`;
const expression = `let pin = builtins.fromJSON (builtins.readFile ./.nixpkgs-pin.json);
    lib = builtins.fetchTarball { inherit (pin) url sha256; };
in derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  data = builtins.readFile "\${lib}/data";
}
`;
const pinFile = (url: string, sha256: string) => `${JSON.stringify({ url, sha256 }, null, 2)}\n`;

describe('a pin whose url changed and whose sha256 did not', () => {
  it('is refused with PIN_HASH_MISMATCH, as CI with an empty store fails', async () => {
    const one = fileTarball('lib', { data: 'v1\n' });
    const two = fileTarball('lib', { data: 'v2\n' });
    const repo = gitRepo({
      'default.nix': expression,
      '.nixpkgs-pin.json': pinFile(one.url, one.sha256),
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`${REPO}:00000000000000000000000000000000`),
    });
    const [own] = (await hash({ cwd: repo.dir })).images;
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${own!.hash}`) });
    repo.commit('the tag');
    // The pin file's pair, read through `inherit (pin) url sha256;`, is judged (not FETCH_UNVERIFIED).
    expect(await check({ cwd: repo.dir })).toMatchObject({ ok: true, references: [{ status: 'ok' }] });
    // The pinned sha256's path is in this store now: the bumped url is never fetched here.
    repo.write({ '.nixpkgs-pin.json': pinFile(two.url, one.sha256) });
    repo.commit('bump the url, keep the sha256');
    // The oracle: n2k8s's command in a fresh clone with an empty store gets no tag.
    const store = path.join(tempDir('store-'), 'store');
    mkdirSync(store);
    expect(n2k8sTag(freshClone(repo.dir), {}, `--store ${store}`)).toBe('');
    await expect(check({ cwd: repo.dir })).rejects.toMatchObject({ code: 'PIN_HASH_MISMATCH' });
    const cli = await nixtag(repo.dir, ['hook', 'pre-commit']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('PIN_HASH_MISMATCH');
    expect(cli.stderr).toContain(`got:       sha256:${two.sha256}`);
    await expect(doctor({ cwd: repo.dir })).rejects.toMatchObject({ code: 'PIN_HASH_MISMATCH' });
  });
});

describe('a fetch written out whose url changed and whose sha256 did not', () => {
  /** The image reading `data` (Nix text, a string of what a fetch gives). */
  const reading = (data: string) => `derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  data = ${data};
}
`;

  /** A repository of `files` whose manifest holds CI's tag, checked once (what it fetched then in this store). */
  const tagged = async (files: Record<string, string>) => {
    const repo = gitRepo({
      ...files,
      '.nixtagrc.yaml': `${config}evaluation:\n  allowedUris: ["file:///"]\n`,
      'k8s/app.yaml': deployment(`${REPO}:00000000000000000000000000000000`),
    });
    const [own] = (await hash({ cwd: repo.dir })).images;
    expect(own!.hash).toBe(n2k8sTag(freshClone(repo.dir)));
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${own!.hash}`) });
    repo.commit('the tag');
    expect(await check({ cwd: repo.dir })).toMatchObject({ ok: true });
    return repo;
  };

  /** The oracle: n2k8s's command in a fresh clone with an empty store ('' where it gets no tag). */
  const emptyStoreTag = (repo: { dir: string }) => {
    const store = path.join(tempDir('store-'), 'store');
    mkdirSync(store);
    return n2k8sTag(freshClone(repo.dir), {}, `--store ${store}`);
  };

  /** `data` in a directory `files` of `dir`, as a file:// url (the same last part in every dir). */
  const fileUrl = (dir: string, data: string) => {
    mkdirSync(path.join(dir, 'files'), { recursive: true });
    writeFileSync(path.join(dir, 'files', 'data'), data);
    return `file://${dir}/files/data`;
  };

  it('is refused with PIN_HASH_MISMATCH at the fetch (fetchTarball, builtins.fetchurl), as CI with an empty store fails', async () => {
    const one = fileTarball('lib', { data: 'v1\n' });
    const two = fileTarball('lib', { data: 'v2\n' });
    const [fileOne, fileTwo] = [fileUrl(one.work, 'v1\n'), fileUrl(two.work, 'v2\n')];
    const fileSha = execFileSync('nix-prefetch-url', [fileOne], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const cases = [
      [
        one.url,
        two.url,
        `builtins.readFile "\${builtins.fetchTarball { url = "${one.url}"; sha256 = "${one.sha256}"; }}/data"`,
      ],
      [fileOne, fileTwo, `builtins.readFile (builtins.fetchurl { url = "${fileOne}"; sha256 = "${fileSha.trim()}"; })`],
    ] as const;
    for (const [before, after, data] of cases) {
      const repo = await tagged({ 'default.nix': reading(data) });
      repo.write({ 'default.nix': repo.read('default.nix').replace(before, after) });
      repo.commit('bump the url, keep the sha256');
      expect([after, emptyStoreTag(repo)]).toEqual([after, '']);
      await expect(check({ cwd: repo.dir })).rejects.toMatchObject({ code: 'PIN_HASH_MISMATCH' });
      const cli = await nixtag(repo.dir, ['hook', 'pre-commit']);
      expect(cli.code).toBe(2);
      expect(cli.stderr).toContain('The sha256 at default.nix:3 does not match what its url serves');
    }
  });

  it('built from strings the file binds or a JSON file it reads (adv15 F2): refused with PIN_HASH_MISMATCH, as CI fails', async () => {
    const one = fileTarball('lib', { data: 'v1\n' });
    const two = fileTarball('lib', { data: 'v2\n' });
    const [dirOne, dirTwo] = [
      path.dirname(one.url.slice('file://'.length)),
      path.dirname(two.url.slice('file://'.length)),
    ];
    const data = 'builtins.readFile "${lib}/data"';
    const cases: Array<[Record<string, string>, (repo: ReturnType<typeof gitRepo>) => void]> = [
      // The usual nixpkgs pin: `let rev = "…"; in … "…/${rev}.tar.gz"`, rev bumped, sha256 forgotten.
      [
        {
          'default.nix': `let dir = "${dirOne}"; lib = builtins.fetchTarball { url = "file://\${dir}/lib.tar.gz"; sha256 = "${one.sha256}"; };\nin ${reading(data)}`,
        },
        (repo) => repo.write({ 'default.nix': repo.read('default.nix').replace(dirOne, dirTwo) }),
      ],
      [
        {
          'default.nix': `let url = "${one.url}"; sha256 = "${one.sha256}";\n    lib = builtins.fetchTarball { inherit url sha256; };\nin ${reading(data)}`,
        },
        (repo) => repo.write({ 'default.nix': repo.read('default.nix').replace(one.url, two.url) }),
      ],
      [
        {
          'default.nix': `let pins = builtins.fromJSON (builtins.readFile ./nix/pins.json);\n    lib = builtins.fetchTarball { inherit (pins.lib) url sha256; };\nin ${reading(data)}`,
          'nix/pins.json': JSON.stringify({ lib: { url: one.url, sha256: one.sha256 } }),
        },
        (repo) => repo.write({ 'nix/pins.json': repo.read('nix/pins.json').replace(one.url, two.url) }),
      ],
    ];
    for (const [files, bump] of cases) {
      const repo = await tagged(files);
      bump(repo);
      repo.commit('bump the url, keep the sha256');
      expect(emptyStoreTag(repo)).toBe('');
      await expect(check({ cwd: repo.dir, cache: false })).rejects.toMatchObject({
        code: 'PIN_HASH_MISMATCH',
        location: { file: 'default.nix' },
      });
    }
  });

  it('with a url the text does not settle (a parameter): left unjudged, FETCH_UNVERIFIED, not called up to date', async () => {
    const one = fileTarball('lib', { data: 'v1\n' });
    const two = fileTarball('lib', { data: 'v2\n' });
    const repo = gitRepo({
      'default.nix': `{ url ? "${one.url}" }:\nlet lib = builtins.fetchTarball { inherit url; sha256 = "${one.sha256}"; };\nin ${reading('builtins.readFile "${lib}/data"')}`,
      '.nixtagrc.yaml': `${config}evaluation:\n  allowedUris: ["file:///"]\n`,
      'k8s/app.yaml': deployment(`${REPO}:00000000000000000000000000000000`),
    });
    const ci = n2k8sTag(freshClone(repo.dir));
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${ci}`) });
    repo.commit('the tag');
    repo.write({ 'default.nix': repo.read('default.nix').replace(one.url, two.url) });
    repo.commit('bump the url, keep the sha256');
    expect(emptyStoreTag(repo)).toBe('');
    const result = await check({ cwd: repo.dir, cache: false });
    expect(result).toMatchObject({ moving: ['app'] });
    expect(result.references.map((reference) => reference.status)).not.toContain('ok');
    expect(result.warnings.map((warning) => warning.message).join('\n')).toContain('[FETCH_UNVERIFIED] default.nix:2');
  });

  it('in niv’s sources.json, read by niv’s sources.nix as written or reformatted (adv15 F9): refused with PIN_HASH_MISMATCH at the entry', async () => {
    const niv = readFileSync(
      path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/niv/sources.nix'),
      'utf8',
    );
    // What nixfmt does to a line of it, and a header dropped: no longer niv's bytes, still niv's file.
    const reformatted = niv.replace('fetch_tarball = pkgs: name: spec:', 'fetch_tarball =\n    pkgs: name: spec:');
    const headless = niv.split('\n').slice(1).join('\n');
    expect(new Set([niv, reformatted, headless]).size).toBe(3);
    for (const sourcesNix of [niv, reformatted, headless]) {
      const one = fileTarball('lib', { data: 'v1\n' });
      const two = fileTarball('lib', { data: 'v2\n' });
      const sources = (url: string) =>
        `${JSON.stringify({ lib: { url, sha256: one.sha256, type: 'tarball' } }, null, 2)}\n`;
      const repo = await tagged({
        'default.nix': reading('builtins.readFile "${(import ./nix/sources.nix).lib}/data"'),
        'nix/sources.nix': sourcesNix,
        'nix/sources.json': sources(one.url),
      });
      repo.write({ 'nix/sources.json': sources(two.url) });
      repo.commit('bump the url in sources.json, keep the sha256');
      expect(emptyStoreTag(repo)).toBe('');
      await expect(check({ cwd: repo.dir })).rejects.toMatchObject({
        code: 'PIN_HASH_MISMATCH',
        location: { file: 'nix/sources.json', line: 3 },
      });
    }
  });
});

describe('a verified fetch whose url moved since (adv15 F16)', () => {
  it('is verified again by check --no-cache, and by any run once the answer is an hour old', async () => {
    const lib = fileTarball('lib', { data: 'v1\n' });
    const repo = gitRepo({
      'default.nix': `let lib = builtins.fetchTarball { url = "${lib.url}"; sha256 = "${lib.sha256}"; };
in derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  data = builtins.readFile "\${lib}/data"; app = builtins.readFile ./app.txt;
}
`,
      'app.txt': 'one\n',
      '.nixtagrc.yaml': `${config}evaluation:\n  allowedUris: ["file:///"]\n`,
      'k8s/app.yaml': deployment(`${REPO}:00000000000000000000000000000000`),
    });
    const retag = async (message: string) => {
      repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${n2k8sTag(freshClone(repo.dir))}`) });
      repo.commit(message);
    };
    await retag('the tag');
    expect(await check({ cwd: repo.dir })).toMatchObject({ ok: true, references: [{ status: 'ok' }] });
    // The url moves (a branch's archive): the same url, other bytes.
    writeFileSync(path.join(lib.work, 'lib', 'data'), 'v2\n');
    execFileSync('tar', ['-czf', path.join(lib.work, 'lib.tar.gz'), '-C', lib.work, 'lib']);
    repo.write({ 'app.txt': 'two\n' });
    await retag('an app change');
    const store = path.join(tempDir('store-'), 'store');
    mkdirSync(store);
    expect(n2k8sTag(freshClone(repo.dir), {}, `--store ${store}`)).toBe('');
    await expect(check({ cwd: repo.dir, cache: false })).rejects.toMatchObject({ code: 'PIN_HASH_MISMATCH' });
    // Within the hour a run that evaluates believes the answer; past it, it fetches again.
    const cache = path.join(repo.dir, '.git', 'nixtag', 'cache');
    const memos = readdirSync(cache).filter((name) => name.startsWith('verified'));
    expect(memos.length).toBeGreaterThan(0);
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    for (const memo of memos) utimesSync(path.join(cache, memo), old, old);
    repo.write({ 'app.txt': 'three\n' });
    await retag('another app change');
    await expect(check({ cwd: repo.dir })).rejects.toMatchObject({ code: 'PIN_HASH_MISMATCH' });
  });
});

describe('in a flake, what a store answers unread (adv15 F11)', () => {
  const flakeConfig = `images:\n  - name: app\n    flake: .#image\n    repository: ${REPO}\nevaluation:\n  allowedUris: ["file:///"]\n`;
  /** A flake whose image has `extra` in its derivation (after `let` bindings `lets`), its manifest holding CI's tag. */
  const flakeRepo = async (lets: string, extra: string, files: Record<string, string> = {}) => {
    const repo = gitRepo({
      ...files,
      'flake.nix': `{\n  outputs = { self }: let ${lets} in {\n    image = ${flakeDrv('app', extra)};\n  };\n}\n`,
      '.nixtagrc.yaml': flakeConfig,
      'k8s/app.yaml': deployment(`${REPO}:00000000000000000000000000000000`),
    });
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${hashOf(ciFlakeEval(repo, '.#image'))}`) });
    repo.commit('the tag CI computes');
    expect(await check({ cwd: repo.dir })).toMatchObject({ ok: true, references: [{ status: 'ok' }] });
    return repo;
  };

  it('a fetchTarball whose url (a let-bound rev) moved with its sha256 kept: PIN_HASH_MISMATCH, as CI fails', async () => {
    const one = fileTarball('lib', { data: 'v1\n' });
    const two = fileTarball('lib', { data: 'v2\n' });
    const [dirOne, dirTwo] = [one.url, two.url].map((url) => path.dirname(url.slice('file://'.length)));
    const repo = await flakeRepo(
      `dir = "${dirOne}"; lib = builtins.fetchTarball { url = "file://\${dir}/lib.tar.gz"; sha256 = "${one.sha256}"; };`,
      'data = builtins.readFile "${lib}/data";',
    );
    repo.write({ 'flake.nix': repo.read('flake.nix').replace(dirOne!, dirTwo!) });
    repo.commit('bump the url, keep the sha256');
    expect(emptyStoreEval(repo)).toContain('hash mismatch');
    await expect(check({ cwd: repo.dir, cache: false })).rejects.toMatchObject({
      code: 'PIN_HASH_MISMATCH',
      location: { file: 'flake.nix', line: 2 },
    });
  });

  it('a builtins.path under a sha256 whose files changed: PATH_HASH_MISMATCH, as CI fails', async () => {
    // The sha256 written is the directory's NAR hash, as `nix-hash --type sha256 --base32` prints it.
    const app = tempDir('app-');
    writeFileSync(path.join(app, 'main.txt'), 'hi\n');
    const sha = execFileSync('nix-hash', ['--type', 'sha256', '--base32', app], { encoding: 'utf8' }).trim();
    const repo = await flakeRepo('', `src = builtins.path { path = ./app; name = "source"; sha256 = "${sha}"; };`, {
      'app/main.txt': 'hi\n',
    });
    repo.write({ 'app/main.txt': 'changed\n' });
    repo.commit('the files changed, the sha256 kept');
    expect(emptyStoreEval(repo)).toContain('mismatch');
    await expect(check({ cwd: repo.dir, cache: false })).rejects.toMatchObject({ code: 'PATH_HASH_MISMATCH' });
  });
});
