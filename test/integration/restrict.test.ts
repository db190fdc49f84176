import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hash, type NixtagError } from '../../src/index.js';
import { nixOptions } from '../../src/nix/commandLine.js';
import { nixVariants, withNix } from '../helpers/nix.js';
import { gitRepo, n2k8sTag, tempDir, testEnv, writeFiles } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

/** A checkout as nixtag lays it out (`…/trees/<slot>/source`), here a git repository itself. */
function gitCheckout(): string {
  const checkout = path.join(tempDir(), 'trees', 'index', 'source');
  mkdirSync(checkout, { recursive: true });
  writeFiles(checkout, { 'a.txt': 'a\n', 'default.nix': '{ }: (builtins.fetchGit ./.).outPath\n' });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: checkout, env: testEnv() });
  git('init', '--quiet', '--initial-branch', 'main');
  git('add', '--all');
  git('commit', '--quiet', '-m', 'initial');
  return checkout;
}

function evaluate(checkout: string, env: Record<string, string>, options: string[]) {
  const result = spawnSync('nix-instantiate', ['--eval', ...options, '-E', `import ${checkout}/default.nix {}`], {
    cwd: checkout,
    env: { ...testEnv(env), NIX_PATH: '' },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

describe.each(nixVariants())('restrict-eval as nixtag sets it ($name)', ({ env }) => {
  it('lets `builtins.fetchGit ./.` of the checkout through, with the same result as unrestricted', () => {
    const checkout = gitCheckout();
    const open = evaluate(checkout, env, []);
    expect(open.code, open.stderr).toBe(0);
    const restrict = nixOptions({
      system: 'x86_64-linux',
      allowImportFromDerivation: false,
      restrict: { checkout, allowedUris: [] },
    });
    const confined = evaluate(checkout, env, restrict);
    expect(confined.code, confined.stderr).toBe(0);
    expect(confined.stdout).toBe(open.stdout);
    // The same repository fetched by an absolute path outside the checkout's slot is refused.
    const elsewhere = gitCheckout();
    const refused = spawnSync(
      'nix-instantiate',
      ['--eval', ...restrict, '-E', `(builtins.fetchGit ${elsewhere}).outPath`],
      { cwd: checkout, env: { ...testEnv(env), NIX_PATH: '' }, encoding: 'utf8' },
    );
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/forbidden in restricted mode/);
  });
});

/** `hash` in-process with this Nix first on PATH; the error it throws, if any. */
function hashWith(env: Record<string, string>, cwd: string, extra: Record<string, unknown> = {}) {
  return withNix(env, () => hash({ cwd, cache: false, ...extra }).catch((error: unknown) => error as NixtagError));
}

describe.each(nixVariants())('confinement by default ($name)', ({ env }) => {
  it('refuses an expression reading a file in $HOME, naming it and the key that would allow it', async () => {
    const home = tempDir('home-');
    writeFiles(home, { '.ssh/id_ed25519': 'PRIVATE KEY\n' });
    const key = path.join(home, '.ssh/id_ed25519');
    const reading = (file: string) =>
      `{ }: derivation { name = "app"; system = "x86_64-linux"; builder = "/bin/sh"; key = builtins.readFile ${file}; }\n`;
    const repo = gitRepo({ 'default.nix': reading(key) });
    const refused = await hashWith(env, repo.dir);
    expect(refused).toMatchObject({ code: 'NIX_RESTRICTED', location: { file: 'default.nix' } });
    // 2.8 names the file, 2.26 the first directory it may not enter.
    expect((refused as NixtagError).message).toMatch(new RegExp(`but it read ${home}(/\\.ssh/id_ed25519)?\\.`));
    expect((refused as NixtagError).hint).toContain('`evaluation.restrictEval: false`');
    expect((refused as NixtagError).detail).not.toContain('PRIVATE KEY');

    // Through a symlink the repository commits, the same.
    symlinkSync(key, path.join(repo.dir, 'key'));
    repo.write({ 'default.nix': reading('./key') });
    repo.commit('a link');
    expect(await hashWith(env, repo.dir)).toMatchObject({ code: 'NIX_RESTRICTED' });

    // The key the hint names lets it through; a confinement from the command line does not.
    repo.write({ '.nixtagrc.yaml': 'evaluation:\n  restrictEval: false\n' });
    repo.commit('opt out');
    const open = await hashWith(env, repo.dir);
    expect(open).toMatchObject({ images: [{ name: 'default' }] });
    const enforced = await hashWith(env, repo.dir, {
      confinement: { ci: false, allowedUris: [], insecureRegistries: [] },
    });
    expect(enforced).toMatchObject({ code: 'NIX_RESTRICTED' });
    expect((enforced as NixtagError).hint).toContain('--ci or --restrict-eval');
  });

  it('evaluates `builtins.fetchGit ./.` of the checkout with no configuration, as n2k8s does', async () => {
    const repo = gitRepo({
      'default.nix':
        '{ }: derivation { name = "app"; system = "x86_64-linux"; builder = "/bin/sh"; src = builtins.fetchGit ./.; }\n',
      'main.go': 'package main\n',
    });
    const expected = n2k8sTag(freshClone(repo.dir), env);
    expect(expected).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(await hashWith(env, repo.dir)).toMatchObject({ images: [{ hash: expected }] });
  });
});
