import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { check, doctor } from '../../src/index.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { ciFlakeEval, flakeDrv, hashOf, lockAndCommit, nix } from '../helpers/flakes.js';
import { nixtag } from '../helpers/inProcess.js';
import { nixAtLeast } from '../helpers/nix.js';
import { gitRepo, n2k8sTag } from '../helpers/repo.js';
import { fileTarball } from '../helpers/tarball.js';
import { freshClone } from '../helpers/trees.js';

/**
 * A tag that moves with no change to the files (issue 20, item 9): the evaluation's time, or the
 * environment Nix runs in. No committed tag can be judged against it: `check` says so, and never
 * calls it up to date, on each Nix (this file runs on 2.8 and on 2.26).
 */

const REPO = 'registry.example/app';
const config = `images:\n  - name: app\n    repository: ${REPO}\n    manifests: [k8s/app.yaml]\n`;

/** A derivation whose name is `name` (Nix text), built from a small source. */
const image = (name: string, prelude = '') => `${prelude}derivation {
  name = ${name}; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
}
`;

/** The seconds since the epoch, as Nix's currentTime counts them. */
const now = () => Math.floor(Date.now() / 1000);

/** n2k8s's tag in a fresh clone, once the clock has moved on to another second. */
function n2k8sTagLater(dir: string, after: number): string {
  while (now() <= after) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  return n2k8sTag(freshClone(dir));
}

/** niv's own generated sources.nix (fixture), and the files of an image that imports it for a pinned tarball. */
function nivRepository(): { niv: string; files: Record<string, string> } {
  const niv = readFileSync(
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/niv/sources.nix'),
    'utf8',
  );
  const lib = fileTarball('lib', { data: 'one' });
  const files = {
    'default.nix': image('"app-${builtins.readFile "${(import ./nix/sources.nix).lib}/data"}"'),
    'nix/sources.json': JSON.stringify({ lib: { url: lib.url, sha256: lib.sha256, type: 'tarball' } }),
    '.nixtagrc.yaml': `${config}evaluation:\n  allowedUris: ["${lib.url}"]\n`,
    'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
  };
  return { niv, files };
}

/** The other Nix of this machine: 2.26 through its shims, or 2.8 without them. */
const otherNixPath = () => {
  const shims = process.env.NIXTAG_NIX226_BIN ?? '/srv/nix226-bin';
  const entries = (process.env.PATH ?? '').split(path.delimiter).filter((entry) => entry !== shims);
  return (process.env.NIXTAG_TEST_NIX === 'second' ? entries : [shims, ...entries]).join(path.delimiter);
};
const localVersion = () =>
  /(\d+\.\d+(?:\.\d+)?)/.exec(execFileSync('nix-instantiate', ['--version'], { encoding: 'utf8' }))![1]!;

describe('a tag that moves with no change to the files', () => {
  it('builtins.currentTime: not judged, never up to date, and the run fails, from the cache too', async () => {
    const repo = gitRepo({
      'default.nix': image('"app-${toString builtins.currentTime}"'),
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    // The oracle: CI's own command gives another tag in another second.
    const start = now();
    const first = n2k8sTag(freshClone(repo.dir));
    expect(first).toMatch(/^[0-9a-z]{32}$/);
    expect(n2k8sTagLater(repo.dir, Math.max(start, now()))).not.toBe(first);
    // Even a manifest holding the tag of this very second is not called up to date.
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${n2k8sTag(freshClone(repo.dir))}`) });
    repo.commit('the tag of one second');
    for (const run of [1, 2]) {
      const result = await check({ cwd: repo.dir, source: { kind: 'index' } });
      expect([run, result]).toMatchObject([run, { ok: false, moving: ['app'] }]);
      expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
      expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
        /changes on every evaluation \(default\.nix:2 uses builtins\.currentTime\)/,
      );
    }
    const cli = await nixtag(repo.dir, ['check']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).not.toContain('up to date');
    expect(cli.stdout).toContain('k8s/app.yaml:10:18: not judged: the tag of app moves');
    expect(cli.stdout).toContain('nothing could be judged: a tag changes on every evaluation');
    // The pre-commit hook asks the same: no remembered verdict answers it.
    expect((await nixtag(repo.dir, ['hook', 'pre-commit'])).code).toBe(1);
    expect((await nixtag(repo.dir, ['hook', 'pre-commit'])).code).toBe(1);
  });

  it('reached through an import, a `with builtins;`, a string name or a computed one', async () => {
    for (const [prelude, name] of [
      ['let t = import ./time.nix; in ', '"app-${toString t}"'],
      ['with builtins; ', '"app-${toString currentTime}"'],
      ['', '"app-${toString (builtins.getAttr "currentTime" builtins)}"'],
      ['let n = "current" + "Time"; in ', '"app-${toString builtins.${n}}"'],
    ] as const) {
      const repo = gitRepo({
        'default.nix': image(name, prelude),
        'time.nix': 'builtins.currentTime\n',
        '.nixtagrc.yaml': config,
        'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      });
      const result = await check({ cwd: repo.dir });
      expect([prelude, name, result]).toMatchObject([prelude, name, { ok: false, moving: ['app'] }]);
    }
  });

  it('builtins.getEnv: not judged (CI may set what this machine does not), and not up to date', async () => {
    const repo = gitRepo({
      'default.nix': image('"app-${builtins.getEnv "BUILD_NUMBER"}"'),
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    // The oracle: CI's command gives another tag when CI sets the variable.
    const clone = freshClone(repo.dir);
    expect(n2k8sTag(clone, { BUILD_NUMBER: '41' })).not.toBe(n2k8sTag(clone, { BUILD_NUMBER: '42' }));
    const result = await check({ cwd: repo.dir });
    expect(result).toMatchObject({ ok: true, moving: ['app'] });
    expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
    expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
      /depends on the environment Nix runs in \(default\.nix:2 uses builtins\.getEnv\)/,
    );
    const cli = await nixtag(repo.dir, ['check']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).not.toContain('up to date');
    expect(cli.stdout).toContain('nothing could be judged: a tag depends on the environment');
    // Not remembered as a verdict: every commit says so again, never an idle pass.
    repo.git('add', '--all');
    for (const run of [1, 2]) {
      const hook = await nixtag(repo.dir, ['hook', 'pre-commit']);
      expect([run, hook.code]).toEqual([run, 0]);
      expect(hook.stdout + hook.stderr).toContain('nothing could be judged');
    }
  });

  it('builtins.nixPath: not judged (CI’s NIX_PATH is not this machine’s, and nixtag adds its own entries)', async () => {
    const repo = gitRepo({
      'default.nix': image('"app-${toString (builtins.length builtins.nixPath)}"'),
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    // The oracle: CI's command gives another tag with another NIX_PATH.
    const clone = freshClone(repo.dir);
    expect(n2k8sTag(clone, { NIX_PATH: '' })).not.toBe(n2k8sTag(clone, { NIX_PATH: 'a=/tmp' }));
    const result = await check({ cwd: repo.dir });
    expect(result).toMatchObject({ ok: true, moving: ['app'] });
    expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
    expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
      /depends on the environment Nix runs in \(default\.nix:2 uses builtins\.nixPath\)/,
    );
  });

  it('niv’s own sources.nix (getEnv of NIV_OVERRIDE_*, nixVersion, nixPath) is judged; one changed byte is not', async () => {
    const { niv, files } = nivRepository();
    const repo = gitRepo({ ...files, 'nix/sources.nix': niv });
    const ci = n2k8sTag(freshClone(repo.dir));
    expect(ci).toMatch(/^[0-9a-z]{32}$/);
    const stale = await check({ cwd: repo.dir });
    expect(stale).toMatchObject({ ok: false });
    expect(stale.moving).toBeUndefined();
    expect(stale.references).toEqual([expect.objectContaining({ status: 'stale', expected: `${REPO}:${ci}` })]);
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${ci}`) });
    repo.commit('the tag CI computes');
    const current = await check({ cwd: repo.dir });
    expect(current).toMatchObject({ ok: true });
    expect(current.moving).toBeUndefined();
    // Not niv's file any more: its getEnv reads whatever the edit makes it read.
    const edited = gitRepo({ ...files, 'nix/sources.nix': `${niv}# edited\n` });
    expect(await check({ cwd: edited.dir })).toMatchObject({ moving: ['app'] });
  });

  it('niv’s own sources.nix: doctor flags what check does not count only in a changed copy', async () => {
    const { niv, files } = nivRepository();
    const inSources = async (dir: string) =>
      (await doctor({ cwd: dir })).findings
        .filter((finding) => finding.file === 'nix/sources.nix')
        .map((finding) => finding.code);
    const generated = gitRepo({ ...files, 'nix/sources.nix': niv });
    // check judges it against CI's tag (a fresh clone named `source`, n2k8s's command): so must doctor.
    const judged = await check({ cwd: generated.dir });
    expect(judged.moving).toBeUndefined();
    expect(judged.references[0]?.expected).toBe(`${REPO}:${n2k8sTag(freshClone(generated.dir))}`);
    expect(await inSources(generated.dir)).toEqual([]);
    const edited = gitRepo({ ...files, 'nix/sources.nix': `${niv}# edited\n` });
    expect(await check({ cwd: edited.dir })).toMatchObject({ moving: ['app'] });
    expect(await inSources(edited.dir)).toContain('environment');
  });

  it('leaves other images judged, and a comment or another attribute named alike changes nothing', async () => {
    const repo = gitRepo({
      'default.nix': image('"app"', '# not builtins.currentTime: a comment\nlet x = { time = 1; }; in '),
      'clock.nix': image('"clock-${toString builtins.currentTime}"'),
      '.nixtagrc.yaml': `${config}  - name: clock\n    nix: clock.nix\n    repository: registry.example/clock\n    manifests: [k8s/clock.yaml]\n`,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      'k8s/clock.yaml': deployment(`registry.example/clock:${STALE}`),
    });
    const result = await check({ cwd: repo.dir });
    expect(result).toMatchObject({ ok: false, moving: ['clock'] });
    expect(result.references.map(({ image, status }) => [image, status])).toEqual([
      ['app', 'stale'],
      ['clock', 'unmanaged'],
    ]);
  });
});

describe('a fetched library that reads the environment or the time (adv13 F22)', () => {
  /** A pinned tarball `lib` whose default.nix is `value` (Nix text), and an image that imports it. */
  const repoWith = (value: string, env: Record<string, string> = {}) => {
    const lib = fileTarball('lib', { 'default.nix': `{ value = ${value}; }\n` });
    const repo = gitRepo({
      'default.nix': image(
        '"app-${lib.value}"',
        `let lib = import (builtins.fetchTarball { url = "${lib.url}"; sha256 = "${lib.sha256}"; }); in `,
      ),
      '.nixtagrc.yaml': `${config}evaluation:\n  allowedUris: ["${lib.url}"]\n`,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    // nixtag's own tag (its confined evaluation reads "" for every variable) as the manifest's.
    const own = n2k8sTag(freshClone(repo.dir), env);
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${own}`) });
    repo.commit('the tag of one environment');
    return repo;
  };

  it("builtins.getEnv in the fetched default.nix: not judged, as in the repository's own files", async () => {
    // The tag nixtag computes (getEnv reads "" confined) is the manifest's; CI's HOME is set.
    const repo = repoWith('builtins.getEnv "HOME"', { HOME: '' });
    const clone = freshClone(repo.dir);
    expect(n2k8sTag(clone, { HOME: '/root' })).not.toBe(n2k8sTag(clone, { HOME: '' }));
    const result = await check({ cwd: repo.dir });
    expect(result).toMatchObject({ ok: true, moving: ['app'] });
    expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
    expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
      /depends on the environment Nix runs in \(\/[^ ]*-source\/default\.nix:1 uses builtins\.getEnv\)/,
    );
    const cli = await nixtag(repo.dir, ['check']);
    expect(cli.stdout).not.toContain('up to date');
  });

  it('builtins.currentTime in the fetched default.nix: not judged, and the run fails', async () => {
    const repo = repoWith('toString builtins.currentTime');
    const start = now();
    const first = n2k8sTag(freshClone(repo.dir));
    expect(n2k8sTagLater(repo.dir, Math.max(start, now()))).not.toBe(first);
    const result = await check({ cwd: repo.dir });
    expect(result).toMatchObject({ ok: false, moving: ['app'] });
    expect((await nixtag(repo.dir, ['check'])).code).toBe(1);
  });
});

describe('a fetch whose content is not pinned (adv13 F8)', () => {
  /** A derivation holding `data` of the tarball `fetch` fetches. */
  const reads = (fetch: string) => `let lib = ${fetch}; in derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  data = builtins.readFile "\${lib}/data";
}
`;

  it('is not judged, nor answered from the cache, once upstream may have moved; a pinned one is', async () => {
    const tarball = fileTarball('lib', { data: 'v1\n' });
    const allowed = `${config}evaluation:\n  allowedUris: ["file://${tarball.work}/"]\n`;
    const repo = gitRepo({
      'default.nix': reads(`builtins.fetchTarball "${tarball.url}"`),
      '.nixtagrc.yaml': allowed,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    // CI's command (a container has no tarball cache: tarball-ttl 0) gives the tag of the day.
    const ci = () => n2k8sTag(freshClone(repo.dir), {}, '--option tarball-ttl 0');
    const before = ci();
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${before}`) });
    repo.commit('the tag of v1');
    const unjudged = async () => {
      const result = await check({ cwd: repo.dir });
      expect(result).toMatchObject({ ok: true, moving: ['app'] });
      expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
      expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
        /depends on what a URL serves .*default\.nix:1 uses builtins\.fetchTarball without a pinned hash or rev/,
      );
    };
    await unjudged();
    // Upstream moves: CI's tag moves with it, and nixtag (its cache, Nix's) still says nothing.
    writeFileSync(path.join(tarball.work, 'lib/data'), 'v2\n');
    execFileSync('tar', ['-czf', path.join(tarball.work, 'lib.tar.gz'), '-C', tarball.work, 'lib']);
    expect(ci()).not.toBe(before);
    await unjudged();
    // Pinned, the tag is the tarball's: judged (the manifest holds v1's, which it pins), and cached.
    const pinned = fileTarball('pinned', { data: 'v1\n' });
    repo.write({
      'default.nix': reads(`builtins.fetchTarball { url = "${pinned.url}"; sha256 = "${pinned.sha256}"; }`),
      '.nixtagrc.yaml': `${config}evaluation:\n  allowedUris: ["file://${pinned.work}/"]\n`,
    });
    repo.commit('pinned');
    for (const run of [1, 2]) {
      const result = await check({ cwd: repo.dir });
      expect([run, result.moving]).toEqual([run, undefined]);
      expect(ci()).toBe(before);
      expect(result.references[0]).toMatchObject({ status: 'ok', expected: `${REPO}:${before}` });
    }
  });
});

describe('the evaluating Nix’s version read (adv13 F12)', () => {
  it('is judged only where the local Nix is the one configured as CI’s', async () => {
    const repo = gitRepo({
      'default.nix': image('"app-${builtins.replaceStrings ["."] ["-"] builtins.nixVersion}"'),
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    // The oracle: CI's command on the other Nix gives another tag.
    const clone = freshClone(repo.dir);
    const here = n2k8sTag(clone);
    expect(here).toMatch(/^[0-9a-z]{32}$/);
    expect(n2k8sTag(clone, { PATH: otherNixPath() })).not.toBe(here);
    const other = localVersion().startsWith('2.8') ? '2.26.3' : '2.8.0';
    for (const configured of ['', `nixVersion: "${other}"\n`]) {
      repo.write({ '.nixtagrc.yaml': config + configured, 'k8s/app.yaml': deployment(`${REPO}:${here}`) });
      repo.commit(`configured: ${configured}`);
      const result = await check({ cwd: repo.dir });
      expect([configured, result]).toMatchObject([configured, { ok: true, moving: ['app'] }]);
      expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
      expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
        /depends on the Nix that evaluates it \(default\.nix:2 uses builtins\.nixVersion\)/,
      );
    }
    repo.write({ '.nixtagrc.yaml': `${config}nixVersion: "${localVersion()}"\n` });
    repo.commit('CI runs this Nix');
    const result = await check({ cwd: repo.dir });
    expect(result.moving).toBeUndefined();
    expect(result.references[0]).toMatchObject({ status: 'ok', expected: `${REPO}:${here}` });
  });
});

describe('another Nix than the one configured as CI’s (adv15 F3)', () => {
  it('a float in toJSON: its image is left unjudged; another image is judged with a warning naming both versions', async () => {
    const floats = image(
      '"app"',
      'let cfg = builtins.toFile "config.json" (builtins.toJSON { cpu = 1.0; }); in ',
    ).replace('builder = "/bin/sh";', 'builder = "/bin/sh"; inherit cfg;');
    const repo = gitRepo({
      'default.nix': floats,
      'plain.nix': image('"plain"'),
      '.nixtagrc.yaml': `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n    manifests: [k8s/app.yaml]\n  - name: plain\n    nix: plain.nix\n    repository: ${REPO}-plain\n    manifests: [k8s/plain.yaml]\n`,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      'k8s/plain.yaml': deployment(`${REPO}-plain:${STALE}`),
    });
    // The oracle: n2k8s's command in a fresh clone, on this Nix and on the other one.
    const clone = freshClone(repo.dir);
    const here = n2k8sTag(clone, {}, 'default.nix');
    const there = n2k8sTag(clone, { PATH: otherNixPath() }, 'default.nix');
    expect(here).toMatch(/^[0-9a-z]{32}$/);
    expect(there).toMatch(/^[0-9a-z]{32}$/);
    expect(there).not.toBe(here);
    const plain = n2k8sTag(clone, {}, 'plain.nix');
    expect(n2k8sTag(clone, { PATH: otherNixPath() }, 'plain.nix')).toBe(plain);
    const other = localVersion().startsWith('2.8') ? '2.26' : '2.8';
    const withVersion = (version: string) =>
      repo.read('.nixtagrc.yaml').replace(/nixVersion: .*\n/, '') + `nixVersion: "${version}"\n`;
    // The manifests hold this Nix's tags: CI (the other Nix) pushes another for app.
    repo.write({
      '.nixtagrc.yaml': withVersion(other),
      'k8s/app.yaml': deployment(`${REPO}:${here}`),
      'k8s/plain.yaml': deployment(`${REPO}-plain:${plain}`),
    });
    repo.commit('CI runs the other Nix');
    const result = await check({ cwd: repo.dir, cache: false });
    expect(result.moving).toEqual(['app']);
    const statuses = Object.fromEntries(result.references.map((reference) => [reference.file, reference.status]));
    expect(statuses).toEqual({ 'k8s/app.yaml': 'unmanaged', 'k8s/plain.yaml': 'ok' });
    const warnings = result.warnings.map((warning) => warning.message).join('\n');
    expect(warnings).toContain('default.nix:1 uses the float 1.0');
    expect(warnings).toMatch(
      new RegExp(`Image 'plain': judged with this machine's Nix ${localVersion()}.*, not the ${other} configured`),
    );
    // CI's own Nix configured: both judged, no warning about versions.
    repo.write({ '.nixtagrc.yaml': withVersion(localVersion()) });
    repo.commit('CI runs this Nix');
    const same = await check({ cwd: repo.dir, cache: false });
    expect(same).toMatchObject({ ok: true });
    expect(same.moving).toBeUndefined();
    expect(same.warnings.map((warning) => warning.message).join('\n')).not.toContain('judged with this machine');
  });
});

describe('an evaluation that fails on a Nix older than the configured CI’s (adv15 F14)', () => {
  // builtins.readFileType (what nixpkgs' lib.fileset needs) is Nix 2.14+: 2.8 fails where 2.26 evaluates.
  it.skipIf(nixAtLeast(2, 14))(
    'names the versions (NIX_VERSION_MISMATCH); the hook lets a README commit through',
    async () => {
      const repo = gitRepo({
        'default.nix': image('"app-${builtins.readFileType ./app}"'),
        'app/main.txt': 'hi\n',
        '.nixtagrc.yaml': `${config}nixVersion: "2.26"\n`,
        'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      });
      // The oracle: CI's Nix (2.26) in a fresh clone gives a tag; this one (2.8) none.
      const clone = freshClone(repo.dir);
      const ci = n2k8sTag(clone, { PATH: otherNixPath() });
      expect(ci).toMatch(/^[0-9a-z]{32}$/);
      expect(n2k8sTag(clone)).toBe('');
      repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${ci}`) });
      repo.commit('the tag CI computes');
      await expect(check({ cwd: repo.dir })).rejects.toMatchObject({ code: 'NIX_VERSION_MISMATCH' });
      repo.write({ README: 'x\n' });
      repo.git('add', 'README');
      const hook = await nixtag(repo.dir, ['hook', 'pre-commit']);
      expect(hook.code).toBe(0);
      expect(hook.stderr).toContain('[NIX_VERSION_MISMATCH]');
      // Configured as this Nix: CI would fail the same way, and the expression is blamed.
      repo.write({ '.nixtagrc.yaml': `${config}nixVersion: "${localVersion()}"\n` });
      repo.commit('CI runs this Nix');
      await expect(check({ cwd: repo.dir })).rejects.toMatchObject({ code: 'NIX_EVAL_FAILED' });
    },
  );
});

describe('the evaluating Nix’s version read in a flake (adv13 F12 for flake images)', () => {
  const INSTALLABLE = '.#packages.x86_64-linux.image';
  const flakeConfig = `images:\n  - name: app\n    repository: ${REPO}\n    flake: "${INSTALLABLE}"\n    manifests: [k8s/app.yaml]\n`;

  it('is judged only where the local Nix is the one configured as CI’s', async () => {
    const repo = gitRepo({
      'flake.nix': `{ outputs = { self }: { packages.x86_64-linux.image = ${flakeDrv('app-${builtins.replaceStrings ["."] ["-"] builtins.nixVersion}')}; }; }\n`,
      '.nixtagrc.yaml': flakeConfig,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    lockAndCommit(repo);
    // The oracle: CI's `nix eval --raw` in a fresh clone, on this Nix and on the other one.
    const here = hashOf(ciFlakeEval(repo, INSTALLABLE));
    const clone = freshClone(repo.dir, false);
    const there = nix(clone, ['eval', '--raw', '--option', 'substituters', '', `${INSTALLABLE}.outPath`], {
      PATH: otherNixPath(),
    });
    expect(hashOf(there)).not.toBe(here);
    const other = localVersion().startsWith('2.8') ? '2.26.3' : '2.8.0';
    for (const configured of ['', `nixVersion: "${other}"\n`]) {
      repo.write({ '.nixtagrc.yaml': flakeConfig + configured, 'k8s/app.yaml': deployment(`${REPO}:${here}`) });
      repo.commit(`configured: ${configured}`);
      const result = await check({ cwd: repo.dir });
      expect([configured, result]).toMatchObject([configured, { ok: true, moving: ['app'] }]);
      expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
      expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
        /depends on the Nix that evaluates it \(flake\.nix:1 uses builtins\.nixVersion\)/,
      );
    }
    repo.write({ '.nixtagrc.yaml': `${flakeConfig}nixVersion: "${localVersion()}"\n` });
    repo.commit('CI runs this Nix');
    const result = await check({ cwd: repo.dir });
    expect(result.moving).toBeUndefined();
    expect(result.references[0]).toMatchObject({ status: 'ok', expected: `${REPO}:${here}` });
  });

  it('what else moves a file image’s tag, pure evaluation refuses or reads as empty, here and in CI', async () => {
    const tarball = fileTarball('lib', { data: 'v1\n' });
    for (const value of [`builtins.fetchTarball "${tarball.url}"`, 'toString builtins.currentTime']) {
      const repo = gitRepo({
        'flake.nix': `{ outputs = { self }: { packages.x86_64-linux.image = ${flakeDrv('app', `v = ${value};`)}; }; }\n`,
        '.nixtagrc.yaml': flakeConfig,
        'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      });
      lockAndCommit(repo);
      expect(() => ciFlakeEval(repo, INSTALLABLE)).toThrow(/pure evaluation mode|currentTime/);
      const result = await nixtag(repo.dir, ['check']);
      expect([value, result.code]).toEqual([value, 3]);
    }
  });
});
