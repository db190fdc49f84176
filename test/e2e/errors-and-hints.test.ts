import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, nixtagCli } from '../helpers/cli.js';
import { plainImage, STALE } from '../helpers/expressions.js';
import { hookRepo, installHooks, manifest } from '../helpers/hooks.js';
import { gitRepo, testEnv } from '../helpers/repo.js';

// The rest of these run in-process in test/integration/errors-and-hints.test.ts.
describe('refusals and errors say what to type next', () => {
  it('check --help does not call --no-cache a default', () => {
    const help = nixtagCli(gitRepo().dir, ['check', '--help']);
    expect(help.stdout).toMatch(/--no-cache +Ask Nix even when/);
    expect(help.stdout).not.toContain('(default: true)');
  });

  it('hook pre-push on a terminal says what it expects', () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    const result = spawnSync('script', ['-qec', `"${process.execPath}" "${BIN}" hook pre-push`, '/dev/null'], {
      cwd: repo.dir,
      env: testEnv(),
      encoding: 'utf8',
    });
    expect(result.stdout).toContain("reads the lines git writes on a pre-push hook's stdin");
    expect(result.stdout).toContain('nixtag check --rev HEAD');
    expect(result.status).toBe(2);
  });

  it('a commit refused after `nixtag fix` fixed only the working tree says to stage the fixed file', () => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    expect(installHooks(repo, ['--git']).code).toBe(0);
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    const refused = repo.run(['commit', '--allow-empty', '-m', 'still stale in the index']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('stage the fixed file with `git add k8s/deployment.yaml`');
    expect(refused.stderr).not.toContain('fix --staged');
  });
});
