import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { hookRepo, installHooks, manifest } from '../helpers/hooks.js';
import { gitRepo, testEnv } from '../helpers/repo.js';

const REPO = 'registry.example/app';

/** Every refusal names what was wrong and a command to type as is. */
function expectUsage(result: { code: number; stderr: string }, message: string, hint: string | RegExp) {
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(message);
  expect(result.stderr).toMatch(typeof hint === 'string' ? new RegExp(`hint: .*${escape(hint)}`) : hint);
}
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('refusals and errors say what to type next', () => {
  it('did you mean: commands, options and hooks', () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    expectUsage(nixtagCli(repo.dir, ['chek']), "Unknown command 'chek'", 'nixtag check`?');
    expectUsage(
      nixtagCli(repo.dir, ['check', '--stagged']),
      "Unknown option '--stagged' for check",
      'nixtag check --staged`?',
    );
    expectUsage(nixtagCli(repo.dir, ['hook', 'pre-comit']), "There is no hook 'pre-comit'", 'nixtag hook pre-commit`?');
    expectUsage(nixtagCli(repo.dir, ['nonsense']), "Unknown command 'nonsense'", 'nixtag --help`');
  });

  it('check --help does not call --no-cache a default', () => {
    const help = nixtagCli(gitRepo().dir, ['check', '--help']);
    expect(help.stdout).toMatch(/--no-cache +Ask Nix even when/);
    expect(help.stdout).not.toContain('(default: true)');
  });

  it('conflicting flags and values are refused, each with a hint', () => {
    const repo = gitRepo({ 'default.nix': plainImage, 'k8s/app.yaml': deployment(`${REPO}:${STALE}`) });
    expectUsage(nixtagCli(repo.dir, ['hook', 'pre-commit', '--check', '--fix']), 'not both', 'hook pre-commit --fix`');
    expectUsage(nixtagCli(repo.dir, ['check', '--staged', '--rev', 'HEAD']), 'not both', 'nixtag check --staged`');
    expectUsage(nixtagCli(repo.dir, ['fix', '--rev', 'HEAD']), "Unknown option '--rev' for fix", 'nixtag fix --help`');
    expectUsage(nixtagCli(repo.dir, ['install', '--husky', '--git']), 'not both', 'nixtag install`');
    expectUsage(nixtagCli(repo.dir, ['install', '--pre-commit', 'maybe']), "not 'maybe'", 'install --pre-commit fix`');
    expectUsage(nixtagCli(repo.dir, ['hash', '--image', 'nope']), "no image named 'nope'", 'nixtag hash`');
    expectUsage(nixtagCli(repo.dir, ['check', 'nonexist.yaml']), 'nonexist.yaml: no such file', 'git ls-files');
  });

  it('a file that is not tracked is said to be so, not silently passed', () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    repo.write({ 'k8s/untracked.yaml': deployment(`${REPO}:${STALE}`) });
    const result = nixtagCli(repo.dir, ['check', 'k8s/untracked.yaml']);
    expect(result.stderr).toContain('PATH_NOT_TRACKED');
    expectUsage(result, 'k8s/untracked.yaml is not tracked by git', 'git add k8s/untracked.yaml`');
  });

  it('install --git into husky’s generated folder is refused', () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    repo.git('config', 'core.hooksPath', '.husky/_');
    expectUsage(nixtagCli(repo.dir, ['install', '--git']), "husky's generated folder", 'nixtag install --husky`');
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

  it('Nix errors and configuration errors name the user’s files, never the internal checkout', () => {
    const broken =
      '{ system ? builtins.currentSystem }:\nderivation {\n  name = "x";\n  inherit system;\n  builder = undefinedThing;\n}\n';
    const repo = gitRepo({ 'default.nix': broken, 'k8s/app.yaml': deployment(`${REPO}:${STALE}`) });
    repo.write({ '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REPO}\n` });
    repo.git('add', '--all');
    const nix = nixtagCli(repo.dir, ['check', '--staged']);
    expect(nix.code).toBe(3);
    expect(nix.stderr).toMatch(/ default\.nix:5:\d+/);
    expect(nix.stderr).not.toContain('.git/nixtag');

    repo.write({ '.nixtagrc.js': "throw new Error('broken config');\n" });
    repo.git('rm', '--quiet', '--cached', '.nixtagrc.yaml');
    repo.git('add', '.nixtagrc.js');
    const config = nixtagCli(repo.dir, ['check', '--staged']);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('.nixtagrc.js');
    expect(config.stderr).toContain('broken config');
    expect(config.stderr).not.toContain('.git/nixtag');
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
