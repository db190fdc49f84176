import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployment, STALE } from '../helpers/expressions.js';
import {
  ciFlakeEval,
  flakeDrv,
  flakeTarball,
  hashOf,
  lockAndCommit,
  nix,
  nixpkgsLibTarball,
} from '../helpers/flakes.js';
import { nixtag } from '../helpers/inProcess.js';
import { onSecondNix } from '../helpers/nix.js';
import { gitRepo, tempDir, type Files } from '../helpers/repo.js';

const config = (flake: string, extra = '') =>
  `images:\n  - name: web\n    flake: '${flake}'\n    repository: registry.example/web\n${extra}`;

const outputs = (body: string, inputs = '', args = '{ self }') => `{
  ${inputs}
  outputs = ${args}: ${body};
}
`;

/** A committed flake repository with a stale manifest of registry.example/web. */
function flakeRepo(files: Files, flake = '.#image', extra = '') {
  return gitRepo({
    '.nixtagrc.yaml': config(flake, extra),
    'k8s/web.yaml': deployment(`registry.example/web:${STALE}`),
    ...files,
  });
}

/** The in-process CLI's `check`: its exit code and what it printed on stderr. */
const check = (dir: string, env: Record<string, string> = {}) => nixtag(dir, ['check'], env);

/** A flake.lock of `inputs` (name -> locked and original attributes), as Nix writes one. */
function lockOf(inputs: Record<string, { locked: object; original?: object }>): string {
  const nodes: Record<string, object> = {
    root: { inputs: Object.fromEntries(Object.keys(inputs).map((name) => [name, name])) },
  };
  for (const [name, node] of Object.entries(inputs)) nodes[name] = { original: node.locked, ...node };
  return `${JSON.stringify({ nodes, root: 'root', version: 7 }, null, 2)}\n`;
}

describe('flake errors name the flake, the output and what to type', () => {
  it('a missing output: exit 2, with the outputs that exist', async () => {
    const repo = flakeRepo(
      {
        'flake.nix': outputs(
          `{ packages.x86_64-linux = { web = ${flakeDrv('web.tar.gz')}; api = ${flakeDrv('api.tar.gz')}; }; }`,
        ),
      },
      '.#wbe',
    );
    const result = await check(repo.dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the flake has no output .#wbe (tried '.#packages.x86_64-linux.wbe'");
    expect(result.stderr).toContain('packages.x86_64-linux: api, web');
    expect(result.stderr).toMatch(/hint: .*\.#NAME/);
  });

  it('an output that is not a derivation: exit 3, with what it holds', async () => {
    const repo = flakeRepo(
      { 'flake.nix': outputs(`{ images = { web = ${flakeDrv('web.tar.gz')}; api = ${flakeDrv('api.tar.gz')}; }; }`) },
      '.#images',
    );
    const result = await check(repo.dir);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('the flake output .#images is a set, not a derivation (its attributes: api, web)');
    expect(result.stderr).toMatch(/hint: .*\.#images\.NAME/);
  });

  it('a flake that does not parse: exit 3 naming the image and the flake, with Nix’s message', async () => {
    const repo = flakeRepo({ 'flake.nix': '{ outputs = { self }: { packages.x86_64-linux.image = ; }; }\n' });
    const result = await check(repo.dir);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("Nix could not evaluate the flake of image 'web' (.#image)");
    expect(result.stderr).toContain('flake.nix');
    expect(result.stderr).toMatch(/syntax error/);
  });

  it('a Nix without flake support: exit 3, saying so', async () => {
    const repo = flakeRepo({ 'flake.nix': outputs(`{ packages.x86_64-linux.image = ${flakeDrv('web.tar.gz')}; }`) });
    const bin = path.join(tempDir('old-nix-'), 'bin');
    mkdirSync(bin);
    // Nix 2.3's answer to the flags of a flake evaluation.
    writeFileSync(
      path.join(bin, 'nix'),
      `#!/bin/sh\nif [ "$1" = --version ]; then echo 'nix (Nix) 2.3.16'; exit 0; fi\necho "error: unrecognised flag '--extra-experimental-features'" >&2\nexit 1\n`,
    );
    chmodSync(path.join(bin, 'nix'), 0o755);
    const result = await check(repo.dir, { PATH: `${bin}:${process.env.PATH}` });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('This Nix (2.3.16) cannot evaluate flakes');
    expect(result.stderr).toMatch(/hint: Install a current Nix/);
  });

  it('tagFrom: imageTag with a tag that is not a Nix hash (streamLayeredImage { tag = "latest"; }): exit 2', async () => {
    const repo = flakeRepo(
      {
        'flake.nix': outputs(
          `{ packages.x86_64-linux.image = (${flakeDrv('stream-web')}) // { imageTag = "latest"; }; }`,
        ),
      },
      '.#image',
      '    tagFrom: imageTag\n',
    );
    const result = await check(repo.dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("its imageTag is 'latest', not a Nix hash");
    expect(result.stderr).toMatch(/hint: Use `tagFrom: outPath`/);
  });

  it('a source that takes in its own manifest (src = ./.): fix says no tag can settle', async () => {
    const repo = flakeRepo({
      'flake.nix': outputs(`{ packages.x86_64-linux.image = ${flakeDrv('web.tar.gz', 'src = ./.;')}; }`),
    });
    const result = await nixtag(repo.dir, ['fix']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('k8s/web.yaml is part of the Nix source of image web');
    expect(result.stdout).toMatch(/flake\.nix:\d+:\d+: `\.\/\.` is the source that takes it in: filter it/);
  });
});

describe('flake.lock errors name the input', () => {
  it('an input the lock does not pin: exit 2', async () => {
    const data = flakeTarball('data', { 'flake.nix': '{ outputs = { self }: { v = "1"; }; }\n' });
    const repo = flakeRepo({
      'flake.nix': outputs(
        `{ packages.x86_64-linux.image = ${flakeDrv('web-${data.v}.tar.gz')}; }`,
        `inputs.data.url = "${data.url}";`,
        '{ self, data }',
      ),
    });
    const result = await check(repo.dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("The flake input 'data' is not pinned in flake.lock");
    expect(result.stderr).toMatch(/hint: Run `nix flake lock`/);
    // Nothing was locked or written in the user's repository (`nix eval .#…` there would have).
    expect(existsSync(path.join(repo.dir, 'flake.lock'))).toBe(false);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it.each([
    ['a local /nix/store path', '/nix/store/00000000000000000000000000000000-source', 'the local store path'],
    ['an absolute path outside the repository', '/home/someone/lib', 'outside the repository'],
    ['a relative path leaving the repository', '../sibling', 'outside the repository'],
  ])('a path: input that is %s: exit 2', async (_, given, said) => {
    const repo = flakeRepo({
      'flake.nix': outputs(
        `{ packages.x86_64-linux.image = ${flakeDrv('web.tar.gz')}; }`,
        `inputs.lib.url = "path:${given}";`,
        '{ self, lib }',
      ),
      'flake.lock': lockOf({
        lib: { locked: { type: 'path', path: given, narHash: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' } },
      }),
    });
    const result = await check(repo.dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`The flake input 'lib' in flake.lock is`);
    expect(result.stderr).toContain(said);
  });

  it('an input the store lacks: exit 3, naming it and nix flake archive', async () => {
    const gone = flakeTarball('gone', { 'flake.nix': `{ outputs = { self }: { v = "${Math.random()}"; }; }\n` });
    const narHash = nix(path.dirname(gone.file), ['hash', 'path', 'gone']).trim();
    // Locked, and gone from where it was fetched.
    const url = `file://${path.dirname(gone.file)}/moved/gone.tar.gz`;
    const repo = flakeRepo({
      'flake.nix': outputs(
        `{ packages.x86_64-linux.image = ${flakeDrv('web.tar.gz', 'v = gone.v;')}; }`,
        `inputs.gone.url = "${url}";`,
        '{ self, gone }',
      ),
      'flake.lock': lockOf({
        gone: {
          locked: { type: 'tarball', url, narHash },
          original: { type: 'tarball', url },
        },
      }),
    });
    const result = await check(repo.dir);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("The flake input 'gone' (flake.lock) is locked but not in the Nix store here");
    expect(result.stderr).toMatch(/hint: .*`nix flake archive \.`/);
  });

  it('an input a registry named (original: indirect) is pinned like any other', async () => {
    const nixpkgs = nixpkgsLibTarball();
    const repo = flakeRepo({
      'flake.nix': outputs(
        `{ packages.x86_64-linux.image = ${flakeDrv('web-${nixpkgs.lib.version or "lib"}.tar.gz')}; }`,
        `inputs.nixpkgs.url = "${nixpkgs.url}";`,
        '{ self, nixpkgs }',
      ),
    });
    lockAndCommit(repo);
    // As Nix locks an input the flake does not declare: found through the registry, then pinned.
    const lock = JSON.parse(repo.read('flake.lock')) as { nodes: { nixpkgs: { original: object } } };
    lock.nodes.nixpkgs.original = { id: 'nixpkgs', type: 'indirect' };
    repo.write({
      'flake.lock': JSON.stringify(lock, null, 2),
      'flake.nix': outputs(
        `{ packages.x86_64-linux.image = ${flakeDrv('web-${nixpkgs.lib.version or "lib"}.tar.gz')}; }`,
        '',
        '{ self, nixpkgs }',
      ),
    });
    repo.commit('indirect');
    const result = await nixtag(repo.dir, ['hash', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ images: [{ hash: hashOf(ciFlakeEval(repo, '.#image')) }] });
  });
});

describe('a lock that would change on evaluation', () => {
  it('a path: input locked by Nix 2.8, which 2.26 locks otherwise: exact on 2.8, exit 2 naming the input on 2.26', async () => {
    const repo = flakeRepo({
      'flake.nix': outputs(
        `{ packages.x86_64-linux.image = ${flakeDrv('web-${versions.web}.tar.gz')}; }`,
        'inputs.versions.url = "path:./versions";',
        '{ self, versions }',
      ),
      'versions/flake.nix': '{ outputs = { self }: { web = "1"; }; }\n',
    });
    repo.git('add', '--all');
    // Debian 12's Nix, whichever Nix this project runs on.
    nix(repo.dir, ['flake', 'lock'], { PATH: `/usr/bin:${process.env.PATH}` });
    repo.commit('locked by 2.8');
    if (onSecondNix) {
      const result = await nixtag(repo.dir, ['hash']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("flake.lock would change on evaluation (input 'versions')");
      expect(result.stderr).toMatch(/hint: Run `nix flake lock` with the Nix version CI uses/);
    } else {
      const result = await nixtag(repo.dir, ['hash', '--json']);
      expect(JSON.parse(result.stdout)).toMatchObject({ images: [{ hash: hashOf(ciFlakeEval(repo, '.#image')) }] });
    }
  });
});

describe('a flake that needs a newer Nix than the one found', () => {
  it('fails closed on 2.8 with a hint, and is exact on 2.26 (a lock a current Nix wrote)', async () => {
    const nixpkgs = nixpkgsLibTarball();
    const repo = flakeRepo({
      'flake.nix': outputs(
        `{ packages.x86_64-linux.image = ${flakeDrv('web-${nixpkgs.lib.strings.toUpper "x"}.tar.gz')}; }`,
        `inputs.nixpkgs.url = "${nixpkgs.url}";`,
        '{ self, nixpkgs }',
      ),
    });
    // Locked by the current Nix, whatever Nix this project runs: it records lastModified.
    const current = path.join(process.env.NIXTAG_NIX226_BIN || '/srv/nix226-bin', 'nix');
    repo.git('add', '--all');
    nix(repo.dir, ['flake', 'lock', '--option', 'substituters', ''], {
      PATH: `${path.dirname(current)}:${process.env.PATH}`,
    });
    expect(repo.read('flake.lock')).toContain('lastModified');
    repo.commit('locked by a current Nix');
    if (onSecondNix) {
      const result = await nixtag(repo.dir, ['hash', '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ images: [{ hash: hashOf(ciFlakeEval(repo, '.#image')) }] });
    } else {
      const result = await nixtag(repo.dir, ['hash']);
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain("unsupported tarball input attribute 'lastModified'");
      expect(result.stderr).toMatch(/hint: This Nix is 2\.8\.\d+; the flake may need a newer one/);
    }
  });
});
