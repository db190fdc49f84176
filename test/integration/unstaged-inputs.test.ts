import { describe, expect, it } from 'vitest';
import { deployment, STALE } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo } from '../helpers/repo.js';

/**
 * A newcomer changes the expression, runs `fix`, and stages only the manifest: the staged tree
 * still holds the old expression, so the commit is stale, and `fix --staged` alone would write
 * the old tag back over the user's fix. The report names what is not staged.
 */
const REPO = 'registry.example/app';
const image = (version: string) =>
  `derivation { name = "app-${version}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; }\n`;

describe('a stale commit whose input is changed but not staged', () => {
  it('names the unstaged files before suggesting fix --staged, and only then', async () => {
    const repo = gitRepo({
      'default.nix': image('v1'),
      '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REPO}\n`,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      'README.md': 'hi\n',
    });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('v1 tagged');
    // No unstaged input: the plain hint.
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${STALE}`) });
    repo.git('add', 'k8s/app.yaml');
    const plain = await nixtag(repo.dir, ['check', '--staged']);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain('fix --staged');
    expect(plain.stdout).not.toContain('Not staged');
    repo.git('checkout', 'HEAD', '--', 'k8s/app.yaml');

    repo.write({ 'default.nix': image('v2'), 'README.md': 'notes\n' });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0); // the working tree's tag: v2's
    repo.git('add', 'k8s/app.yaml');
    const staged = await nixtag(repo.dir, ['check', '--staged']);
    expect(staged.code).toBe(1);
    expect(staged.stdout).toContain('Not staged: README.md, default.nix.');
    expect(staged.stdout).toContain('`git add` them first');

    repo.git('add', 'default.nix');
    expect((await nixtag(repo.dir, ['check', '--staged'])).code).toBe(0);
  });
});
