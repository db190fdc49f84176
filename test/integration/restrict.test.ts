import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixOptions } from '../../src/nix/commandLine.js';
import { nixVariants } from '../helpers/nix.js';
import { tempDir, testEnv, writeFiles } from '../helpers/repo.js';

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
