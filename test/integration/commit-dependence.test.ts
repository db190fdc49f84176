import { describe, expect, it } from 'vitest';
import { check } from '../../src/index.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { gitRepo, n2k8sTag } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

const image = (name: string) => `let src = builtins.fetchGit ./.; in derivation {
  name = ${name}; system = builtins.currentSystem; builder = "/bin/sh"; inherit src;
  args = [ "-c" "echo > $out" ];
}
`;

const config = (extra = '') => `images:
  - name: app
    repository: registry.example/app
    manifests: [k8s/app.yaml]
${extra}`;

/** HEAD judged as n2k8s computes its tag in a fresh clone: stale, not left unjudged. */
async function expectJudgedAtHead(dir: string): Promise<void> {
  const result = await check({ cwd: dir, source: { kind: 'rev', rev: 'HEAD' } });
  expect(result.commitDependent).toBeUndefined();
  expect(result.references[0]).toMatchObject({
    status: 'stale',
    expected: `registry.example/app:${n2k8sTag(freshClone(dir))}`,
  });
}

describe('an expression that reads the commit', () => {
  it('cannot be judged before the commit exists: a warning, or a failure when configured', async () => {
    const repo = gitRepo({
      'default.nix': image('"app-${src.shortRev}"'),
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    for (const source of [{ kind: 'index' as const }, { kind: 'worktree' as const }]) {
      const result = await check({ cwd: repo.dir, source });
      expect(result).toMatchObject({ ok: true, commitDependent: ['app'] });
      expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
      expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
        /depends on the commit.*cannot be judged before the commit exists/,
      );
    }
    repo.write({ '.nixtagrc.yaml': config('whenCommitDependent: fail\n') });
    expect(await check({ cwd: repo.dir })).toMatchObject({ ok: false, commitDependent: ['app'] });
  });

  it('a source that takes in .git fails, at commit and at push, whatever whenCommitDependent says', async () => {
    const repo = gitRepo({
      'default.nix': `derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  src = builtins.path { path = ./.; name = "source"; }; args = [ "-c" "echo > $out" ];
}
`,
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    // No clone holds the same .git: CI rejects every deploy, so the run fails at commit and at push
    // (a tag computed from this checkout's .git would be one CI never gets), with the same reason.
    for (const source of [{ kind: 'index' as const }, { kind: 'rev' as const, rev: 'HEAD' }]) {
      const result = await check({ cwd: repo.dir, source });
      expect(result).toMatchObject({ ok: false, commitDependent: ['app'] });
      expect(result.failures).toEqual([
        expect.objectContaining({
          image: 'app',
          code: 'TAG_CLONE_DEPENDENT',
          location: { file: 'default.nix', line: 3, column: 32 },
        }),
      ]);
      expect(result.failures![0]!.message).toMatch(/depends on the bytes of the checkout's `.git` directory/);
      expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
      expect(result.warnings.map((warning) => warning.message).join('\n')).not.toContain('.git');
    }
    // What makes the claim true: two fresh clones of the commit give two tags.
    expect(n2k8sTag(freshClone(repo.dir))).not.toBe(n2k8sTag(freshClone(repo.dir)));
  });

  it('is judged exactly for a commit (pre-push), as n2k8s computes it in a fresh clone', async () => {
    const repo = gitRepo({
      'default.nix': image('"app-${src.shortRev}"'),
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    await expectJudgedAtHead(repo.dir);
  });

  it('reading only the files through fetchGit is judged at once, and remembered', async () => {
    // Only main.go goes in (the manifests must not: rewriting a tag would change the tag again).
    const mainGo = `let src = builtins.fetchGit ./.; in derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  main = builtins.unsafeDiscardStringContext (builtins.readFile "\${src}/main.go");
  args = [ "-c" "echo > $out" ];
}
`;
    const repo = gitRepo({ 'default.nix': mainGo, 'main.go': 'package main\n', '.nixtagrc.yaml': config() });
    repo.write({ 'k8s/app.yaml': deployment(`registry.example/app:${STALE}`) });
    repo.commit('manifest');
    const expected = n2k8sTag(freshClone(repo.dir));
    repo.write({ 'k8s/app.yaml': deployment(`registry.example/app:${expected}`) });
    repo.git('add', 'k8s/app.yaml');
    const first = await check({ cwd: repo.dir, source: { kind: 'index' } });
    expect(first).toMatchObject({ ok: true, evaluated: true });
    expect(first.commitDependent).toBeUndefined();
    expect(first.references[0]).toMatchObject({ status: 'ok' });
    expect(await check({ cwd: repo.dir, source: { kind: 'index' } })).toMatchObject({ ok: true, evaluated: false });
  });
});

describe('an expression that reads a file of .git by name (adv13 F13)', () => {
  /** A derivation whose `origin` is the url of `.git/config`'s remote, read through `read`. */
  const readsConfig = (read: string) => `let cfg = ${read};
    origin = builtins.match ".*url = ([^\\n]*).*" cfg;
in derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  origin = if origin == null then "none" else builtins.head origin; }
`;

  it('is left unjudged, as its bytes are the clone’s: config, through a path, a string or `+ "/.git"`', async () => {
    const repo = gitRepo({
      'default.nix': readsConfig('builtins.readFile ./.git/config'),
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    // The oracle: CI's fresh clone has an `origin` remote, a copy of the same commit without one
    // (what nixtag's checkout holds) another tag.
    const ci = n2k8sTag(freshClone(repo.dir));
    expect(ci).toMatch(/^[0-9a-z]{32}$/);
    expect(n2k8sTag(repo.dir)).not.toBe(ci);
    for (const [read, line] of [
      ['builtins.readFile ./.git/config', './.git/config'],
      ['builtins.readFile "${./.}/.git/config"', '"/.git/config"'],
      ['builtins.readFile (./. + "/.git" + "/config")', '"/.git"'],
      ['builtins.readFile (toString ./. + "/.git/config")', '"/.git/config"'],
    ] as const) {
      repo.write({ 'default.nix': readsConfig(read) });
      repo.commit(read);
      for (const source of [{ kind: 'index' as const }, { kind: 'rev' as const, rev: 'HEAD' }]) {
        const result = await check({ cwd: repo.dir, source });
        expect([read, result]).toMatchObject([read, { ok: true, commitDependent: ['app'] }]);
        expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
        const warnings = result.warnings.map((warning) => warning.message).join('\n');
        expect(warnings).toContain(
          `depends on the bytes of the checkout's \`.git\` directory (default.nix:1 reads ${line})`,
        );
      }
    }
  });

  it('a filter that names .git to leave it out is still judged', async () => {
    const repo = gitRepo({
      'default.nix': `let lib = {
  hasSuffix = s: x: builtins.substring (builtins.stringLength x - builtins.stringLength s) (builtins.stringLength s) x == s;
}; in derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  src = builtins.path { path = ./.; name = "source";
    filter = p: t: baseNameOf p != ".git" && !(lib.hasSuffix "/.git" p) && p != toString ./.git && p != "\${toString ./.}/.git" && !(lib.hasSuffix "k8s" p); }; }
`,
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    await expectJudgedAtHead(repo.dir);
  });
});
