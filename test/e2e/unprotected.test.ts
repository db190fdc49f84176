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

  it('a configured repository that is a typo away, or a glob that matches nothing, is warned about', () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'k8s/app.yaml': deployment(V1),
      '.nixtagrc.yaml':
        'images:\n  - name: app\n    repository: registry.example.com/team/ap\n    manifests: ["deploy/*.yaml"]\n',
    });
    const text = nixtagCli(repo.dir, ['check']);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain("the manifests glob 'deploy/*.yaml' of image 'app' matches no tracked file");
    expect(text.stderr).toContain("image 'app' (registry.example.com/team/ap) matches no image reference");
    expect(text.stdout).toContain('no image reference matches a configured image');
    expect(text.stdout).not.toContain('without configuration');
    const json = JSON.parse(nixtagCli(repo.dir, ['check', '--json']).stdout) as {
      warnings: Array<{ message: string }>;
    };
    const messages = json.warnings.map((warning) => warning.message).join('\n');
    expect(messages).toContain("glob 'deploy/*.yaml'");
    expect(messages).toContain("image 'app' (registry.example.com/team/ap)");
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
