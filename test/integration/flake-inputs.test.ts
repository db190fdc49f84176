import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deployment, STALE } from '../helpers/expressions.js';
import { ciFlakeEval, flakeDrv, flakeTarball, hashOf, lockAndCommit, nix as runNix } from '../helpers/flakes.js';
import { nixtag } from '../helpers/inProcess.js';
import { countingNix } from '../helpers/nix.js';
import { gitRepo, type Files } from '../helpers/repo.js';

/** Offline: Nix 2.26 would ask the binary cache first. */
const OFFLINE = ['--option', 'substituters', ''];

const CONFIG = 'images:\n  - name: app\n    flake: .#image\n    repository: registry.example/app\n';

/** `${self}` in Nix text. */
const SELF = '$' + '{self}';

/** A flake whose image reads lib/version.nix, src/ and a path: sub-flake; `extra` goes in its derivation. */
const flake = (extra = '') => `{
  inputs.versions.url = "path:./versions";
  outputs = { self, versions }: {
    packages.x86_64-linux.image = ${flakeDrv(
      'app.tar.gz',
      `version = import ./lib/version.nix; src = ./src; pinned = versions.app; ${extra}`,
    )};
  };
}
`;

const FILES: Files = {
  'flake.nix': flake(),
  'versions/flake.nix': '{ outputs = { self }: { app = "1"; }; }\n',
  'lib/version.nix': '"1"\n',
  'lib/unused.nix': '"not imported"\n',
  'src/main.go': 'package main\n',
  'README.md': 'readme\n',
  '.nixtagrc.yaml': CONFIG,
  'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
};

/** A flake repository, locked and committed, its manifest fixed. */
async function flakeRepo(files: Files = FILES) {
  const repo = gitRepo(files);
  lockAndCommit(repo);
  await nixtag(repo.dir, ['fix']);
  repo.commit('current tag');
  return repo;
}

describe('a flake image is evaluated again only when an input changed', () => {
  it('what Nix parsed, the paths they name, flake.lock and path: inputs count; a README does not', async () => {
    const repo = await flakeRepo();
    const nix = countingNix();
    expect((await nixtag(repo.dir, ['check'], nix.env)).code).toBe(0);
    // `lockInput`: the sub-flake edited is locked again, as it must be (Nix 2.8 pins its content).
    const calls = (files: Files, lockInput?: string) => async () => {
      const before = nix.calls();
      repo.write(files);
      repo.git('add', '--all');
      if (lockInput !== undefined) {
        runNix(repo.dir, ['flake', 'lock', '--update-input', lockInput, ...OFFLINE]);
        repo.git('add', '--all');
      }
      await nixtag(repo.dir, ['check'], nix.env);
      return nix.calls() - before;
    };
    expect(await calls({ 'README.md': 'docs v2\n' })()).toBe(0);
    expect(await calls({ 'lib/unused.nix': '"still not imported"\n' })()).toBe(0);
    expect(await calls({ 'k8s/app.yaml': `# reviewed\n${repo.read('k8s/app.yaml')}` })()).toBe(0);
    expect(await calls({ 'lib/version.nix': '"2"\n' })()).toBe(1);
    expect(await calls({ 'src/new.go': 'package main\n' })()).toBe(1);
    expect(await calls({ 'versions/flake.nix': '{ outputs = { self }: { app = "2"; }; }\n' }, 'versions')()).toBe(1);
    expect(await calls({ 'flake.lock': `${repo.read('flake.lock')}\n` })()).toBe(1);
  });

  // Read, not built from: the manifests are in the tracked tree, so a tag built from it never settles.
  it.each([
    ['"${self}"', `x = builtins.seq "${SELF}" 1;`],
    ['self.outPath', 'x = builtins.seq self.outPath 1;'],
    ['self handed to a function', 'x = builtins.seq self 1;'],
  ])('%s makes every tracked file an input, and says so', async (_, extra) => {
    const repo = await flakeRepo({ ...FILES, 'flake.nix': flake(extra) });
    const nix = countingNix();
    expect((await nixtag(repo.dir, ['check'], nix.env)).code).toBe(0);
    const before = nix.calls();
    repo.write({ 'README.md': 'docs v2\n' });
    const verbose = await nixtag(repo.dir, ['check', '--verbose'], nix.env);
    expect(verbose.code).toBe(0);
    expect(nix.calls()).toBeGreaterThan(before);
    expect(verbose.stdout).toMatch(/flake\.nix:\d+:\d+ uses self.*every tracked file counts as an input/);
  });
});

describe('a path: sub-flake edited without locking it again', () => {
  it("is refused naming the input, whatever the store holds; locked again, its tag is CI's", async () => {
    const repo = gitRepo(FILES);
    repo.git('add', '--all');
    // Debian 12's Nix 2.8 pins a path: input by its content (narHash), whichever Nix runs the test.
    runNix(repo.dir, ['flake', 'lock', ...OFFLINE], { PATH: `/usr/bin:${process.env.PATH}` });
    repo.commit('locked by 2.8');
    // The pinned content is now in the local store (Nix 2.8 evaluated it).
    await nixtag(repo.dir, ['check']);
    repo.write({ 'versions/flake.nix': '{ outputs = { self }: { app = "2"; }; }\n' });
    repo.commit('versions 2, flake.lock as it was');
    for (const args of [['check'], ['check', '--no-cache']]) {
      const result = await nixtag(repo.dir, args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('[FLAKE_LOCK_INVALID]');
      expect(result.stderr).toContain("input 'versions'");
      expect(result.stderr).toMatch(/hint: Run `nix flake lock/);
    }
    runNix(repo.dir, ['flake', 'lock', '--update-input', 'versions', ...OFFLINE]);
    repo.commit('versions locked again');
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('current tag');
    expect((await nixtag(repo.dir, ['check', '--no-cache'])).code).toBe(0);
    expect(repo.read('k8s/app.yaml')).toContain(`registry.example/app:${hashOf(ciFlakeEval(repo, '.#image'))}`);
  });
});

describe('PATH arguments (lint-staged) with a flake image', () => {
  it('a staged flake.lock alone is measured against the flake, before any evaluation recorded its inputs', async () => {
    const data = flakeTarball('data', { 'flake.nix': '{ outputs = { self }: { v = "1"; }; }\n' });
    const repo = gitRepo({
      'flake.nix': `{
  inputs.data.url = "${data.url}";
  outputs = { self, data }: { packages.x86_64-linux.image = ${flakeDrv('app-${data.v}.tar.gz')}; };
}
`,
      '.nixtagrc.yaml': CONFIG,
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    lockAndCommit(repo);
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('current tag');
    // The same URL, another content: only flake.lock changes.
    writeFileSync(path.join(path.dirname(data.file), 'data', 'flake.nix'), '{ outputs = { self }: { v = "2"; }; }\n');
    execFileSync('tar', ['-czf', data.file, '-C', path.dirname(data.file), 'data']);
    runNix(repo.dir, ['flake', 'update', ...OFFLINE]);
    repo.git('add', 'flake.lock');
    rmSync(path.join(repo.dir, '.git', 'nixtag'), { recursive: true, force: true });
    const result = await nixtag(repo.dir, ['check', '--staged', 'flake.lock']);
    expect(result.stdout).toContain('stale reference');
    expect(result.code).toBe(1);
  });
});

describe('a cached verdict of a flake image', () => {
  const edits = fc.constantFrom<Files>(
    { 'README.md': 'readme v2\n' },
    { 'README.md': 'readme v3\n' },
    { 'src/main.go': 'package main // v2\n' },
    { 'src/extra/new.go': 'package extra\n' },
    { 'lib/version.nix': '"2"\n' },
    { 'lib/unused.nix': '"changed"\n' },
    { 'flake.nix': flake(`root = "${SELF}";`) },
    { 'flake.nix': flake() },
    { 'versions/flake.nix': '{ outputs = { self }: { app = "3"; }; }\n' },
    { 'k8s/app.yaml': deployment(`registry.example/app:${STALE}`) },
  );

  it('always equals a run without the cache, after random edits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.oneof(edits, fc.constant('fix' as const)), { minLength: 5, maxLength: 5 }),
        async (wholeSource, steps) => {
          // Built from "${self}", the image takes in every tracked file (its own manifest too).
          const repo = await flakeRepo(wholeSource ? { ...FILES, 'flake.nix': flake(`root = "${SELF}";`) } : FILES);
          for (const step of steps) {
            if (step === 'fix') await nixtag(repo.dir, ['fix']);
            else repo.write(step);
            const cached = await nixtag(repo.dir, ['check']);
            const fresh = await nixtag(repo.dir, ['check', '--no-cache']);
            expect(cached.code).toBe(fresh.code);
            expect(cached.stdout).toBe(fresh.stdout);
          }
        },
      ),
      { numRuns: 3 },
    );
  }, 600_000);
});
