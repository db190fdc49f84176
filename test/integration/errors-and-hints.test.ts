import { describe, expect, it } from 'vitest';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo } from '../helpers/repo.js';

const REPO = 'registry.example/app';

/** Every refusal names what was wrong and a command to type as is. */
function expectUsage(result: { code: number; stderr: string }, message: string, hint: string | RegExp) {
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(message);
  expect(result.stderr).toMatch(typeof hint === 'string' ? new RegExp(`hint: .*${escape(hint)}`) : hint);
}
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// In-process (test/helpers/inProcess.ts); test/e2e/errors-and-hints.test.ts has the cases that need
// the built CLI: help output, a terminal, a git hook.
describe('refusals and errors say what to type next', () => {
  it('did you mean: commands, options and hooks', async () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    expectUsage(await nixtag(repo.dir, ['chek']), "Unknown command 'chek'", 'nixtag check`?');
    expectUsage(
      await nixtag(repo.dir, ['check', '--stagged']),
      "Unknown option '--stagged' for check",
      'nixtag check --staged`?',
    );
    expectUsage(
      await nixtag(repo.dir, ['hook', 'pre-comit']),
      "There is no hook 'pre-comit'",
      'nixtag hook pre-commit`?',
    );
    expectUsage(await nixtag(repo.dir, ['nonsense']), "Unknown command 'nonsense'", 'nixtag --help`');
  });

  it('conflicting flags and values are refused, each with a hint', async () => {
    const repo = gitRepo({ 'default.nix': plainImage, 'k8s/app.yaml': deployment(`${REPO}:${STALE}`) });
    expectUsage(
      await nixtag(repo.dir, ['hook', 'pre-commit', '--check', '--fix']),
      'not both',
      'hook pre-commit --fix`',
    );
    expectUsage(await nixtag(repo.dir, ['check', '--staged', '--rev', 'HEAD']), 'not both', 'nixtag check --staged`');
    expectUsage(
      await nixtag(repo.dir, ['fix', '--rev', 'HEAD']),
      "Unknown option '--rev' for fix",
      'nixtag fix --help`',
    );
    expectUsage(await nixtag(repo.dir, ['install', '--husky', '--git']), 'not both', 'nixtag install`');
    expectUsage(
      await nixtag(repo.dir, ['install', '--pre-commit', 'maybe']),
      "not 'maybe'",
      'install --pre-commit fix`',
    );
    expectUsage(await nixtag(repo.dir, ['hash', '--image', 'nope']), "no image named 'nope'", 'nixtag hash`');
    expectUsage(await nixtag(repo.dir, ['check', 'nonexist.yaml']), 'nonexist.yaml: no such file', 'git ls-files');
  });

  it('a file that is not tracked is said to be so, not silently passed', async () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    repo.write({ 'k8s/untracked.yaml': deployment(`${REPO}:${STALE}`) });
    const result = await nixtag(repo.dir, ['check', 'k8s/untracked.yaml']);
    expect(result.stderr).toContain('PATH_NOT_TRACKED');
    expectUsage(result, 'k8s/untracked.yaml is not tracked by git', 'git add k8s/untracked.yaml`');
  });

  it('install --git into husky’s generated folder is refused', async () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    repo.git('config', 'core.hooksPath', '.husky/_');
    expectUsage(await nixtag(repo.dir, ['install', '--git']), "husky's generated folder", 'nixtag install --husky`');
  });

  it('Nix errors and configuration errors name the user’s files, never the internal checkout', async () => {
    const broken =
      '{ system ? builtins.currentSystem }:\nderivation {\n  name = "x";\n  inherit system;\n  builder = undefinedThing;\n}\n';
    const repo = gitRepo({ 'default.nix': broken, 'k8s/app.yaml': deployment(`${REPO}:${STALE}`) });
    repo.write({ '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REPO}\n` });
    repo.git('add', '--all');
    const nix = await nixtag(repo.dir, ['check', '--staged']);
    expect(nix.code).toBe(3);
    expect(nix.stderr).toMatch(/ default\.nix:5:\d+/);
    expect(nix.stderr).not.toContain('.git/nixtag');

    repo.write({ '.nixtagrc.js': "throw new Error('broken config');\n" });
    repo.git('rm', '--quiet', '--cached', '.nixtagrc.yaml');
    repo.git('add', '.nixtagrc.js');
    const config = await nixtag(repo.dir, ['check', '--staged']);
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('.nixtagrc.js');
    expect(config.stderr).toContain('broken config');
    expect(config.stderr).not.toContain('.git/nixtag');
  });
});
