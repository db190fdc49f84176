import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check, hash, type NixtagError } from '../../src/index.js';
import { deployment, STALE } from '../helpers/expressions.js';
import {
  ciFlakeEval,
  FLAKE_PARTS,
  flakeDrv,
  flakeTarball,
  hashOf,
  lockAndCommit,
  nixpkgsLibTarball,
} from '../helpers/flakes.js';
import { countingNix, nixVersion, onSecondNix } from '../helpers/nix.js';
import { gitRepo, n2k8sTag, ciCheckout, type Files } from '../helpers/repo.js';

/** nixtag's tags of the repository's images, by name, asking Nix every time. */
async function tags(dir: string): Promise<Record<string, string>> {
  const result = await hash({ cwd: dir, cache: false });
  return Object.fromEntries(result.images.map((image) => [image.name, image.hash]));
}

const config = (images: Array<{ name: string; flake: string; tagFrom?: string }>) =>
  `images:\n${images
    .map(
      ({ name, flake, tagFrom }) =>
        `  - name: ${name}\n    flake: '${flake}'\n    repository: registry.example/${name}\n${tagFrom ? `    tagFrom: ${tagFrom}\n` : ''}`,
    )
    .join('')}`;

/** `${self}` in Nix text. */
const SELF = '$' + '{self}';

const noInputs = (outputs: string) => `{
  outputs = { self }: ${outputs};
}
`;

describe('a flake output as an image: the tag equals `nix eval --raw <installable>.outPath` in a fresh clone', () => {
  it('runs on the Nix this test project names', () => {
    if (onSecondNix) expect(nixVersion()).toEqual([2, 26]);
    else expect(nixVersion()).toEqual([2, 8]);
  });

  it('for a flake with no inputs, by every form of installable nix eval resolves', async () => {
    const repo = gitRepo({
      'flake.nix': noInputs(`{
    packages.x86_64-linux.image = ${flakeDrv('web.tar.gz', 'src = ./app;')};
    packages.x86_64-linux."registry/web" = ${flakeDrv('quoted.tar.gz')};
    packages.aarch64-linux.image = ${flakeDrv('arm.tar.gz', '', '"aarch64-linux"')};
    legacyPackages.x86_64-linux.legacy = ${flakeDrv('legacy.tar.gz')};
    dockerImages.x86_64-linux.web = ${flakeDrv('docker-web.tar.gz')};
    image = ${flakeDrv('top.tar.gz')};
  }`),
      'app/main.go': 'package main\n',
      '.nixtagrc.yaml': config([
        { name: 'short', flake: '.#image' },
        { name: 'full', flake: '.#packages.x86_64-linux.image' },
        { name: 'quoted', flake: '.#packages.x86_64-linux."registry/web"' },
        { name: 'legacy', flake: '.#legacy' },
        { name: 'nonstandard', flake: '.#dockerImages.x86_64-linux.web' },
      ]),
    });
    const got = await tags(repo.dir);
    expect(got.short).toBe(hashOf(ciFlakeEval(repo, '.#image')));
    // packages.<system> first, as nix eval resolves `.#image`: not the top-level `image`.
    expect(got.full).toBe(got.short);
    expect(got.quoted).toBe(hashOf(ciFlakeEval(repo, '.#packages.x86_64-linux."registry/web"')));
    expect(got.legacy).toBe(hashOf(ciFlakeEval(repo, '.#legacy')));
    expect(got.nonstandard).toBe(hashOf(ciFlakeEval(repo, '.#dockerImages.x86_64-linux.web')));
  });

  it('for the configured system', async () => {
    const repo = gitRepo({
      'flake.nix': noInputs(`{
    packages.x86_64-linux.image = ${flakeDrv('x86.tar.gz')};
    packages.aarch64-linux.image = ${flakeDrv('arm.tar.gz', '', '"aarch64-linux"')};
  }`),
      '.nixtagrc.yaml': `system: aarch64-linux\n${config([{ name: 'web', flake: '.#image' }])}`,
    });
    expect((await tags(repo.dir)).web).toBe(hashOf(ciFlakeEval(repo, '.#packages.aarch64-linux.image')));
  });

  it('without configuration: the root flake.nix has no default.nix beside it, so its packages.<system>.default', async () => {
    const repo = gitRepo({
      'flake.nix': noInputs(`{ packages.x86_64-linux.default = ${flakeDrv('default-image.tar.gz')}; }`),
    });
    expect((await hash({ cwd: repo.dir, cache: false })).images).toEqual([
      expect.objectContaining({ name: 'default', hash: hashOf(ciFlakeEval(repo, '.#default')) }),
    ]);
  });

  it('a repository with both flake.nix and default.nix: default.nix without configuration, the flake where configured', async () => {
    const files: Files = {
      'flake.nix': noInputs(`{ packages.x86_64-linux.image = ${flakeDrv('from-flake.tar.gz')}; }`),
      'default.nix': `${flakeDrv('from-default.tar.gz')}\n`,
    };
    const repo = gitRepo(files);
    const fromDefault = n2k8sTag(ciCheckout(repo));
    expect((await tags(repo.dir)).default).toBe(fromDefault);
    repo.write({ '.nixtagrc.yaml': config([{ name: 'web', flake: '.#image' }]) });
    repo.commit();
    const got = (await tags(repo.dir)).web;
    expect(got).toBe(hashOf(ciFlakeEval(repo, '.#image')));
    expect(got).not.toBe(fromDefault);
  });

  it('for a flake in a subdirectory, which takes in the whole repository as its source', async () => {
    const repo = gitRepo({
      'services/api/flake.nix': noInputs(`{
    packages.x86_64-linux.image = ${flakeDrv('api.tar.gz', `src = ./.; root = "${SELF}";`)};
  }`),
      'services/api/main.go': 'package main\n',
      'README.md': 'hello\n',
      '.nixtagrc.yaml': config([{ name: 'api', flake: './services/api#image' }]),
    });
    expect((await tags(repo.dir)).api).toBe(hashOf(ciFlakeEval(repo, './services/api#image')));
  });

  it('tagFrom: imageTag reads the output’s imageTag, as `nix eval --raw .#image.imageTag`', async () => {
    const tag = 'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0';
    const repo = gitRepo({
      'flake.nix': noInputs(`{
    packages.x86_64-linux.image = (${flakeDrv('layered.tar.gz')}) // { imageTag = "${tag}"; };
  }`),
      '.nixtagrc.yaml': config([{ name: 'web', flake: '.#image', tagFrom: 'imageTag' }]),
    });
    expect(ciFlakeEval(repo, '.#image', 'imageTag')).toBe(tag);
    expect((await tags(repo.dir)).web).toBe(tag);
  });

  it('evaluates every flake image of a run in one Nix process', async () => {
    const images = Array.from({ length: 5 }, (_, index) => `img${index}`);
    const repo = gitRepo({
      'flake.nix': noInputs(
        `{ packages.x86_64-linux = { ${images.map((name) => `${name} = ${flakeDrv(`${name}.tar.gz`)};`).join(' ')} }; }`,
      ),
      'api/flake.nix': noInputs(`{ packages.x86_64-linux.image = ${flakeDrv('api.tar.gz')}; }`),
      '.nixtagrc.yaml': config([
        ...images.map((name) => ({ name, flake: `.#${name}` })),
        { name: 'api', flake: './api#image' },
      ]),
    });
    const counting = countingNix();
    const before = process.env.PATH;
    process.env.PATH = counting.env.PATH;
    try {
      const got = await tags(repo.dir);
      expect(Object.keys(got)).toHaveLength(6);
      expect(counting.calls()).toBe(1);
    } finally {
      process.env.PATH = before;
    }
  });

  it('an output reading self.shortRev: not judged before the commit exists, exact for a commit', async () => {
    const repo = gitRepo({
      'flake.nix': noInputs(`{
    packages.x86_64-linux.image = ${flakeDrv('web.tar.gz', 'version = self.shortRev or "dirty";')};
  }`),
      '.nixtagrc.yaml': config([{ name: 'web', flake: '.#image' }]),
      'k8s/web.yaml': deployment(`registry.example/web:${STALE}`),
    });
    for (const source of [{ kind: 'index' as const }, { kind: 'worktree' as const }]) {
      const result = await check({ cwd: repo.dir, source });
      expect(result).toMatchObject({ ok: true, commitDependent: ['web'] });
      expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(/depends on the commit/);
    }
    const expected = hashOf(ciFlakeEval(repo, '.#image'));
    const atCommit = await check({ cwd: repo.dir, source: { kind: 'rev', rev: 'HEAD' } });
    expect(atCommit.references).toEqual([
      expect.objectContaining({ status: 'stale', expected: `registry.example/web:${expected}` }),
    ]);
  });
});

describe('flake inputs come from flake.lock, offline', () => {
  it('a nixpkgs-like file:// tarball input: evaluated, then the tarball removed, still evaluated', async () => {
    const nixpkgs = nixpkgsLibTarball();
    const repo = gitRepo({
      'flake.nix': `{
  inputs.nixpkgs.url = "${nixpkgs.url}";
  outputs = { self, nixpkgs }: {
    packages.x86_64-linux.image = ${flakeDrv('web-${nixpkgs.lib.strings.toUpper "v"}.tar.gz', 'src = nixpkgs.lib.cleanSource ./app;')};
  };
}
`,
      'app/main.go': 'package main\n',
      '.nixtagrc.yaml': config([{ name: 'web', flake: '.#image' }]),
    });
    lockAndCommit(repo);
    const expected = hashOf(ciFlakeEval(repo, '.#image'));
    expect((await tags(repo.dir)).web).toBe(expected);
    rmSync(nixpkgs.file);
    rmSync(`${repo.dir}/.git/nixtag`, { recursive: true, force: true });
    expect((await tags(repo.dir)).web).toBe(expected);
  });

  it('a flake-parts flake, flake-parts itself a locked file:// tarball', async () => {
    const nixpkgs = nixpkgsLibTarball();
    const flakeParts = flakeTarball('flake-parts', {}, FLAKE_PARTS);
    const repo = gitRepo({
      'flake.nix': `{
  inputs.nixpkgs-lib.url = "${nixpkgs.url}";
  inputs.flake-parts.url = "${flakeParts.url}";
  inputs.flake-parts.inputs.nixpkgs-lib.follows = "nixpkgs-lib";
  outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
    systems = [ "x86_64-linux" "aarch64-linux" ];
    perSystem = { system, ... }: {
      packages.image = ${flakeDrv('fp-${system}.tar.gz', '', 'system')};
    };
  };
}
`,
      '.nixtagrc.yaml': config([{ name: 'web', flake: '.#image' }]),
    });
    lockAndCommit(repo);
    expect((await tags(repo.dir)).web).toBe(hashOf(ciFlakeEval(repo, '.#image')));
  });

  it('flake-parts\' inputs\' (it checks _type = "flake", which Nix 2.8 does not set): exact on 2.26, fails closed on 2.8', async () => {
    const nixpkgs = nixpkgsLibTarball();
    const flakeParts = flakeTarball('flake-parts', {}, FLAKE_PARTS);
    const data = flakeTarball('data', {
      'flake.nix': '{ outputs = { self }: { legacyPackages.x86_64-linux.version = "1"; }; }\n',
    });
    const repo = gitRepo({
      'flake.nix': `{
  inputs.nixpkgs-lib.url = "${nixpkgs.url}";
  inputs.flake-parts.url = "${flakeParts.url}";
  inputs.flake-parts.inputs.nixpkgs-lib.follows = "nixpkgs-lib";
  inputs.data.url = "${data.url}";
  outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
    systems = [ "x86_64-linux" ];
    perSystem = { system, inputs', ... }: {
      packages.image = ${flakeDrv("fp-${inputs'.data.legacyPackages.version}.tar.gz", '', 'system')};
    };
  };
}
`,
      '.nixtagrc.yaml': config([{ name: 'web', flake: '.#image' }]),
    });
    lockAndCommit(repo);
    if (onSecondNix) {
      expect((await tags(repo.dir)).web).toBe(hashOf(ciFlakeEval(repo, '.#image')));
      return;
    }
    expect(() => ciFlakeEval(repo, '.#image')).toThrow(/input data, but this input is not a flake/);
    const error = (await hash({ cwd: repo.dir, cache: false }).catch((caught: unknown) => caught)) as NixtagError;
    expect(error).toMatchObject({ code: 'NIX_EVAL_FAILED', kind: 'tool' });
    expect(error.hint).toMatch(/This Nix is 2\.8\.\d+; the flake may need a newer one/);
  });

  it('a path: sub-flake inside the repository is an input of the evaluation', async () => {
    const repo = gitRepo({
      'flake.nix': `{
  inputs.versions.url = "path:./versions";
  outputs = { self, versions }: {
    packages.x86_64-linux.image = ${flakeDrv('web-${versions.web}.tar.gz')};
  };
}
`,
      'versions/flake.nix': '{ outputs = { self }: { web = "1.0"; }; }\n',
      '.nixtagrc.yaml': config([{ name: 'web', flake: '.#image' }]),
    });
    lockAndCommit(repo);
    expect((await tags(repo.dir)).web).toBe(hashOf(ciFlakeEval(repo, '.#image')));
  });
});
