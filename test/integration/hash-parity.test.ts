import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hash } from '../../src/index.js';
import { ciCheckout, gitRepo, n2k8sTag, tempDir, testEnv } from '../helpers/repo.js';
import { plainImage } from '../helpers/expressions.js';
import { nixVersion, onSecondNix } from '../helpers/nix.js';
import { fileTarball } from '../helpers/tarball.js';
import { freshClone, LFS_FILTER, lfsClone } from '../helpers/trees.js';

/** nixtag's tag for the repo's only image. */
async function nixtagTag(dir: string): Promise<string> {
  // No cache: every call must really ask Nix, or a leak through the environment would hide.
  const result = await hash({ cwd: dir, cache: false });
  expect(result.images).toHaveLength(1);
  return result.images[0]!.hash;
}

const config = (extra: string) => `images:
  - name: app
    repository: registry.example/app
${extra}`;

describe('the tag equals what n2k8s computes in CI checkout of the same commit', () => {
  it('runs on the Nix this test project names', () => {
    // The *-nix2.26 projects put the second Nix first on PATH; a shim that fell through would not.
    if (onSecondNix) expect(nixVersion()).toEqual([2, 26]);
    else expect(nixVersion()[0]).toBe(2);
  });

  it('for a plain derivation', async () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    const expected = n2k8sTag(ciCheckout(repo));
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(await nixtagTag(repo.dir)).toBe(expected);
  });

  it('for several outputs: the output named out', async () => {
    const repo = gitRepo({
      'default.nix': `derivation {
  name = "multi"; system = builtins.currentSystem; builder = "/bin/sh";
  outputs = [ "out" "doc" ]; args = [ "-c" "echo > $out; echo > $doc" ];
}`,
    });
    const checkout = ciCheckout(repo);
    const lines = n2k8sTag(checkout).split('\n');
    expect(lines).toHaveLength(2); // n2k8s prints one tag per output
    const drv = execFileSync('nix-instantiate', ['default.nix'], {
      cwd: checkout,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const out = execFileSync('nix-store', ['--query', '--binding', 'out', drv], { encoding: 'utf8' }).trim();
    const outHash = path.basename(out).slice(0, 32);
    expect(lines).toContain(outHash);
    expect(await nixtagTag(repo.dir)).toBe(outHash);
  });

  it('for an attribute path (-A) and arguments (--arg, --argstr)', async () => {
    const repo = gitRepo({
      'images.nix': `{ suffix ? "x", replicas ? 1 }: {
  images.web = derivation {
    name = "web-\${suffix}-\${toString replicas}"; system = builtins.currentSystem;
    builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  };
}`,
      '.nixtagrc.yaml': config(`    nix: images.nix
    attr: images.web
    args: { suffix: "prod", replicas: 3 }
`),
    });
    const expected = n2k8sTag(ciCheckout(repo), {}, 'images.nix -A images.web --argstr suffix prod --arg replicas 3');
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(expected).not.toBe(n2k8sTag(ciCheckout(repo), {}, 'images.nix -A images.web'));
    expect(await nixtagTag(repo.dir)).toBe(expected);
  });

  it('for an --arg given as a Nix expression', async () => {
    const repo = gitRepo({
      'default.nix': `{ extra ? [] }: derivation {
  name = "app-\${builtins.concatStringsSep "-" extra}"; system = builtins.currentSystem;
  builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
}`,
      '.nixtagrc.yaml': config(`    args: { extra: { expr: '[ "a" "b" ]' } }
`),
    });
    expect(await nixtagTag(repo.dir)).toBe(n2k8sTag(ciCheckout(repo), {}, `--arg extra '[ "a" "b" ]'`));
  });

  it('for a ./. source, evaluated in a directory named like CI checkout, not like the clone', async () => {
    // builtins.path names the copy after the directory; .git is left out, as it differs per clone.
    const repo = gitRepo(
      {
        'default.nix': `derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  src = builtins.path { path = ./.; filter = p: t: baseNameOf p != ".git"; }; args = [ "-c" "echo > $out" ];
}`,
        'main.go': 'package main\n',
      },
      'my-clone',
    );
    repo.write({ 'untracked.txt': 'CI never sees this\n' });
    const expected = n2k8sTag(ciCheckout(repo));
    // The same tree in a directory with another name hashes differently: the name is an input.
    expect(n2k8sTag(ciCheckout(repo, 'elsewhere'))).not.toBe(expected);
    expect(await nixtagTag(repo.dir)).toBe(expected);
  });

  it("for a source over a submodule's directory (its .git a gitfile, as in CI's recursive clone), full and incremental", async () => {
    const deep = gitRepo({ 'deep.txt': 'deep\n' }, 'deep');
    const lib = gitRepo({ 'lib.txt': 'lib\n' }, 'lib');
    lib.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', deep.dir, 'deep');
    lib.commit('nested');
    const repo = gitRepo({
      'default.nix': `derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  src = builtins.path { path = ./vendor/lib; name = "lib"; };
}`,
    });
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'vendor/lib');
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'update', '--quiet', '--init', '--recursive');
    repo.commit('submodule');
    const expected = n2k8sTag(freshClone(repo.dir));
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(n2k8sTag(freshClone(repo.dir))).toBe(expected); // CI's own tag is stable
    expect(await nixtagTag(repo.dir)).toBe(expected);
    rmSync(path.join(repo.dir, '.git', 'nixtag'), { recursive: true, force: true });
    expect(await nixtagTag(repo.dir)).toBe(expected); // and so is nixtag's, from a fresh checkout
    // A bump of the submodule: an incremental update of the checkout.
    lib.write({ 'lib.txt': 'lib v2\n' });
    lib.commit('v2');
    repo.git('-C', 'vendor/lib', 'pull', '--quiet', lib.dir, 'main');
    repo.commit('bump');
    const bumped = n2k8sTag(freshClone(repo.dir));
    expect(bumped).not.toBe(expected);
    expect(await nixtagTag(repo.dir)).toBe(bumped);
  });

  it('for a source over a Git LFS file: its pointer by default, its content with lfs: true, as CI clones without and with git-lfs', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    for (const [key, value] of LFS_FILTER) repo.git('config', key, value);
    repo.write({
      '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n',
      'model.bin': 'the weights\n',
      'default.nix': `derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo > $out" ]; src = builtins.path { path = ./model.bin; name = "model"; }; }
`,
      '.nixtagrc.yaml': config(''),
    });
    repo.commit('lfs');
    const pointerTag = n2k8sTag(freshClone(repo.dir));
    expect(await nixtagTag(repo.dir)).toBe(pointerTag);
    repo.write({ '.nixtagrc.yaml': config('lfs: true\n') });
    repo.commit('CI has git-lfs');
    const contentTag = n2k8sTag(lfsClone(repo.dir));
    expect(contentTag).toMatch(/^[0-9a-z]{32}$/);
    expect(contentTag).not.toBe(pointerTag);
    expect(await nixtagTag(repo.dir)).toBe(contentTag);
  });

  it('for a "${./main.go}" source', async () => {
    const repo = gitRepo({
      'default.nix': `derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "cat \${./main.go} > $out" ];
}`,
      'main.go': 'package main\n',
    });
    const expected = n2k8sTag(ciCheckout(repo));
    expect(await nixtagTag(repo.dir)).toBe(expected);
    repo.write({ 'main.go': 'package main // changed\n' });
    expect(await nixtagTag(repo.dir)).not.toBe(expected);
  });

  // The common idiom (`lib.cleanSourceWith { filter = path: type: !(lib.hasInfix "/.git/" path); }`)
  // sees absolute paths: in CI's clone no file's path has a `.git` component, so none may in nixtag's.
  it('for a source filter that drops `.git` directories by the absolute path', async () => {
    const repo = gitRepo({
      'src/main.sh': 'echo hello\n',
      'default.nix': `{ system ? builtins.currentSystem }:
let
  notGit = path: type: builtins.match ".*/\\\\.git/.*" (toString path) == null;
  src = builtins.path { path = ./src; name = "src"; filter = notGit; };
  filtered = builtins.filterSource notGit ./.;
in derivation {
  name = "app"; inherit system; builder = "/bin/sh";
  args = [ "-c" "cat \${src}/main.sh \${filtered}/src/main.sh > $out" ];
}
`,
    });
    const expected = n2k8sTag(freshClone(repo.dir));
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(await nixtagTag(repo.dir)).toBe(expected);
  });

  it('for a builtins.fetchTarball of a file:// tarball with its sha256', async () => {
    const { url, sha256 } = fileTarball('lib', { 'default.nix': '{ greeting = "hello"; }\n' });
    const repo = gitRepo({
      'default.nix': `let lib = import (builtins.fetchTarball { url = "${url}"; sha256 = "${sha256}"; }); in
derivation {
  name = "app-\${lib.greeting}"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
}`,
      // Confinement is the default: the tarball's URL is allowed, as a fetched nixpkgs would be.
      '.nixtagrc.yaml': `evaluation:\n  allowedUris: ["${url}"]\n`,
    });
    const expected = n2k8sTag(ciCheckout(repo));
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(await nixtagTag(repo.dir)).toBe(expected);
  });
});

describe('evaluation is pinned to what CI sees', () => {
  it('evaluates for the configured system, whatever this machine is', async () => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': `system: aarch64-darwin\n` });
    const darwin = n2k8sTag(ciCheckout(repo), { NIX_CONFIG: 'system = aarch64-darwin' });
    expect(darwin).not.toBe(n2k8sTag(ciCheckout(repo)));
    const result = await hash({ cwd: repo.dir });
    expect(result.images[0]).toMatchObject({ hash: darwin, system: 'aarch64-darwin' });
  });

  it('does not let the user environment reach builtins.getEnv or <nixpkgs>', async () => {
    const repo = gitRepo({
      'default.nix': `derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  home = builtins.getEnv "HOME"; token = builtins.getEnv "MY_TOKEN"; args = [ "-c" "echo > $out" ];
}`,
      // Unconfined, to see the scrubbed environment: confined (the default), getEnv gives "".
      '.nixtagrc.yaml': 'evaluation:\n  restrictEval: false\n',
    });
    const before = await nixtagTag(repo.dir);
    const saved = { HOME: process.env.HOME, MY_TOKEN: process.env.MY_TOKEN };
    try {
      process.env.MY_TOKEN = 'secret';
      expect(await nixtagTag(repo.dir)).toBe(before);
    } finally {
      if (saved.MY_TOKEN === undefined) delete process.env.MY_TOKEN;
    }
    // The fixed HOME is the one Nix builders use; CI evaluating under the same value agrees.
    expect(before).toBe(n2k8sTag(ciCheckout(repo), { HOME: '/homeless-shelter' }));
    // Confined, every variable reads as empty, whatever this machine has.
    repo.write({ '.nixtagrc.yaml': 'system: x86_64-linux\n' });
    repo.commit('confined');
    const empty = n2k8sTag(ciCheckout(repo), { HOME: '' });
    process.env.MY_TOKEN = 'secret';
    try {
      expect(await nixtagTag(repo.dir)).toBe(empty);
    } finally {
      if (saved.MY_TOKEN === undefined) delete process.env.MY_TOKEN;
    }
  });

  it('gives an unconfined expression reading the environment the same tag whatever the caller has, as n2k8s under the fixed one', async () => {
    const names = ['HOME', 'PATH', 'http_proxy', 'https_proxy', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'SSL_CERT_FILE'];
    const repo = gitRepo({
      'default.nix': `derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  seen = builtins.concatStringsSep "|" (map builtins.getEnv [ ${names.map((name) => `"${name}"`).join(' ')} ]);
}`,
      '.nixtagrc.yaml': 'evaluation:\n  restrictEval: false\n',
    });
    // The values README promises; n2k8s's command with them alone, the Nix on PATH named by its directory.
    const nix = path.dirname(execFileSync('sh', ['-c', 'command -v nix-instantiate'], { encoding: 'utf8' }).trim());
    const fixed = {
      HOME: '/homeless-shelter',
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/nix/var/nix/profiles/default/bin:/run/current-system/sw/bin',
      XDG_CACHE_HOME: '/tmp/nixtag-nix-cache',
      NIX_PATH: '',
    };
    const oracle = spawnSync(
      'sh',
      ['-c', `"${nix}/nix-instantiate" 2>/dev/null | xargs "${nix}/nix-store" -q | cut -d/ -f4 | cut -d- -f1`],
      { cwd: ciCheckout(repo), env: fixed, encoding: 'utf8' },
    ).stdout.trim();
    expect(oracle).toMatch(/^[0-9a-df-np-sv-z]{32}$/);

    const callers: Array<Record<string, string>> = [
      { HOME: tempDir('alice-'), http_proxy: 'http://alice:secret@127.0.0.1:9/', XDG_CACHE_HOME: tempDir('cache-') },
      { HOME: tempDir('bob-'), https_proxy: 'http://127.0.0.1:9/', XDG_CONFIG_HOME: tempDir('config-') },
    ];
    const saved = { ...process.env };
    try {
      for (const [index, caller] of callers.entries()) {
        for (const name of names) delete process.env[name];
        // Each caller's own PATH: another directory first, then what finds Nix and git here.
        Object.assign(process.env, caller, { PATH: `${tempDir(`bin${index}-`)}:${saved.PATH}` });
        expect(await nixtagTag(repo.dir), JSON.stringify(caller)).toBe(oracle);
      }
    } finally {
      for (const name of names) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('maps <nixpkgs> to the pin and ignores NIX_PATH', async () => {
    const { work, url, sha256 } = fileTarball('nixpkgs', { 'default.nix': '{ ... }: { version = "pinned"; }\n' });
    const expression = `let pkgs = import <nixpkgs> {}; in derivation {
  name = "app-\${pkgs.version}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
}`;
    const repo = gitRepo({ 'default.nix': expression, '.nixpkgs-pin.json': JSON.stringify({ url, sha256 }) });
    const pinned = spawnSync(
      'sh',
      ['-c', `nix-instantiate -I nixpkgs=${url} | xargs nix-store -q | cut -d/ -f4 | cut -d- -f1`],
      {
        cwd: ciCheckout(repo),
        env: testEnv(),
        encoding: 'utf8',
      },
    ).stdout.trim();
    process.env.NIX_PATH = `nixpkgs=${work}/elsewhere`;
    try {
      expect(await nixtagTag(repo.dir)).toBe(pinned);
    } finally {
      delete process.env.NIX_PATH;
    }
  });
});
