import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { hookRepo, installHooks } from '../helpers/hooks.js';
import { gitRepo } from '../helpers/repo.js';

const V1 = 'registry.example.com/team/app:v1.0.0';

describe('a repository nothing protects is never silently passed', () => {
  it('check without configuration names the candidate references and suggests init (text and JSON)', () => {
    const repo = gitRepo({ 'default.nix': plainImage, 'k8s/app.yaml': deployment(V1) });
    const text = nixtagCli(repo.dir, ['check']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('nothing is managed');
    expect(text.stdout).toContain(`k8s/app.yaml:10:18: ${V1}`);
    expect(text.stdout).toMatch(/Run `(npx )?nixtag init`/);

    const json = JSON.parse(nixtagCli(repo.dir, ['check', '--json']).stdout) as {
      ok: boolean;
      references: Array<{ status: string; current: string; file: string; line: number }>;
      warnings: Array<{ message: string }>;
    };
    expect(json.ok).toBe(true);
    expect(json.references).toEqual([expect.objectContaining({ status: 'unmanaged', current: V1, line: 10 })]);
    expect(json.warnings.map((warning) => warning.message).join('\n')).toContain('nothing is managed');
  });

  it('the pre-commit hook says so on every commit, not once', () => {
    const repo = hookRepo({ 'k8s/app.yaml': deployment(V1) });
    expect(installHooks(repo, ['--git']).code).toBe(0);
    for (const message of ['one', 'two']) {
      repo.write({ 'app/main.go': `package main // ${message}\n` });
      repo.git('add', '--all');
      const commit = repo.run(['commit', '-m', message]);
      expect(commit.code).toBe(0);
      expect(commit.stderr + commit.stdout).toContain('nothing is managed');
    }
  });
});

const APP = 'registry.example.com/team/app';
const CONFIG = (image: string) => `images:\n  - name: app\n${image}`;

/**
 * A configuration with a typo in it, committed as a teammate would get it with `git pull`: every
 * way of running nixtag (check, --json, the pre-commit hook, the pre-push hook) stops with exit 2
 * and the near miss found in the repository, where it once passed with nothing checked.
 */
describe('a typo in the configuration never switches checking off', () => {
  it.each([
    [
      'repository',
      CONFIG(`    repository: registry.example.com/team/ap\n`),
      'CONFIG_UNMATCHED',
      `the nearest manifest reference is \`${APP}\` (k8s/app.yaml:10:18)`,
      { line: 3, column: 17 },
    ],
    [
      'manifests',
      CONFIG(`    repository: ${APP}\n    manifests: ["kube/*.yaml"]\n`),
      'CONFIG_UNMATCHED',
      'did you mean `k8s/*.yaml`?',
      { line: 4, column: 17 },
    ],
    [
      'nix',
      CONFIG(`    nix: defualt.nix\n    repository: ${APP}\n`),
      'PATH_NOT_FOUND',
      'did you mean `default.nix`?',
      { line: 3, column: 10 },
    ],
    [
      'an unknown key',
      `imags:\n  - name: app\n    repository: ${APP}\n`,
      'CONFIG_INVALID',
      "imags: unknown key; did you mean 'images'?",
      { line: 1, column: 1 },
    ],
  ])('%s: exit 2 with a did-you-mean, also in JSON and in the hooks', (_key, config, code, meant, position) => {
    const repo = hookRepo({ 'k8s/app.yaml': deployment(V1), '.nixtagrc.yaml': config });
    const text = nixtagCli(repo.dir, ['check']);
    expect(text.stderr).toContain(`nixtag: error [${code}]`);
    expect(text.stderr).toContain(meant);
    expect(text.stderr).toContain(`at .nixtagrc.yaml:${position.line}:${position.column}`);
    expect(text.stdout).not.toContain('nothing is managed');
    expect(text.code).toBe(2);

    const json = nixtagCli(repo.dir, ['check', '--json']);
    expect(json.code).toBe(2);
    const { error } = JSON.parse(json.stdout) as { error: { code: string; message: string; location: unknown } };
    expect(error.code).toBe(code);
    expect(error.message).toContain(meant);
    expect(error.location).toEqual({ file: '.nixtagrc.yaml', ...position });

    expect(installHooks(repo, ['--git', '--pre-push']).code).toBe(0);
    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', '--all');
    const head = repo.head();
    const commit = repo.run(['commit', '-m', 'stale, and the configuration names nothing']);
    expect(commit.stdout + commit.stderr).toContain(meant);
    expect(commit.code).not.toBe(0);
    expect(repo.head()).toBe(head);
    expect(repo.run(['commit', '--no-verify', '-m', 'past the hook']).code).toBe(0);
    const push = repo.run(['push', 'origin', 'main']);
    expect(push.stdout + push.stderr).toContain(meant);
    expect(push.code).not.toBe(0);
  });

  it('an image marked optional may have no reference yet: warned about, not an error', () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'k8s/app.yaml': deployment(V1),
      '.nixtagrc.yaml': CONFIG(`    repository: ${APP}-next\n    manifests: ["deploy/*.yaml"]\n    optional: true\n`),
    });
    const text = nixtagCli(repo.dir, ['check']);
    expect(text.stderr).toContain("the manifests glob 'deploy/*.yaml' of image 'app' matches no tracked file");
    expect(text.stderr).toContain(`image 'app' (${APP}-next) matches no image reference`);
    expect(text.stdout).toContain('no image reference matches a configured image');
    expect(text.code).toBe(0);
    const json = JSON.parse(nixtagCli(repo.dir, ['check', '--json']).stdout) as {
      warnings: Array<{ message: string }>;
    };
    const messages = json.warnings.map((warning) => warning.message).join('\n');
    expect(messages).toContain("glob 'deploy/*.yaml'");
    expect(messages).toContain(`image 'app' (${APP}-next)`);
  });

  it('names every miss at once, each at its line, with what the repository holds instead', () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'k8s/app.yaml': deployment(V1),
      'k8s/web.yaml': deployment('registry.example.com/team/web:v1.0.0'),
      '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${APP}s\n  - name: web\n    repository: registry.example.com/team/wbe\n  - name: api\n    repository: registry.example.com/other/api\n`,
    });
    const result = nixtagCli(repo.dir, ['check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('.nixtagrc.yaml names 3 things the repository does not hold');
    expect(result.stderr).toContain(`.nixtagrc.yaml:3:17: Image 'app': repository ${APP}s`);
    expect(result.stderr).toContain(`the nearest manifest reference is \`${APP}\``);
    expect(result.stderr).toContain(".nixtagrc.yaml:5:17: Image 'web'");
    // Neutral: the manifest may hold the typo as well as the configuration.
    expect(result.stderr).toContain(
      "the nearest manifest reference is `registry.example.com/team/web` (k8s/web.yaml:10:18): one side is misspelt, so correct whichever is wrong, this `repository` or the manifest's reference.",
    );
    expect(result.stderr).not.toMatch(/did you mean `registry/);
    expect(result.stderr).toContain('Correct the side that is wrong (the configuration, or the file or reference');
    expect(result.stderr).toContain(".nixtagrc.yaml:7:17: Image 'api'");
    expect(result.stderr).toMatch(/the references it read name .*registry\.example\.com\/team\/app/);
  });
});
