import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, nixtagCli } from '../helpers/cli.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { nixVariants } from '../helpers/nix.js';
import { gitRepo, n2k8sTag, testEnv } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

/** An image whose source is the repository root, `.git` with it (line 3, column 9: `./.`). */
const rootSource = (src: string) => `derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  src = ${src}; args = [ "-c" "echo > $out" ];
}
`;

const config = (extra = '') => `images:
  - name: app
    repository: registry.example/app
    manifests: [k8s/app.yaml]
${extra}`;

/** A hook as git runs it: `input` on its stdin. */
function hook(dir: string, name: string, env: Record<string, string>, input = '') {
  const result = spawnSync(process.execPath, [BIN, 'hook', name], {
    cwd: dir,
    env: testEnv(env),
    encoding: 'utf8',
    input,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.each(nixVariants())('a tag that depends on the clone’s own .git ($name)', ({ env }) => {
  it('fails check, --rev, fix and every hook with TAG_CLONE_DEPENDENT, whatever whenCommitDependent says', () => {
    const repo = gitRepo({
      'default.nix': rootSource('./.'),
      '.nixtagrc.yaml': config('whenCommitDependent: warn\n'),
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    // The oracle: two fresh clones of the one commit, CI's kind, give two tags, so no committed
    // tag can pass CI's digest check.
    const first = n2k8sTag(freshClone(repo.dir), env);
    expect(first).toMatch(/^[0-9a-z]{32}$/);
    expect(n2k8sTag(freshClone(repo.dir), env)).not.toBe(first);
    const head = repo.git('rev-parse', 'HEAD').trim();
    const runs = [
      ['check', nixtagCli(repo.dir, ['check'], env)],
      ['check --staged', nixtagCli(repo.dir, ['check', '--staged'], env)],
      ['check --rev', nixtagCli(repo.dir, ['check', '--rev', 'HEAD'], env)],
      ['fix', nixtagCli(repo.dir, ['fix'], env)],
      ['pre-commit', hook(repo.dir, 'pre-commit', env)],
      ['pre-merge-commit', hook(repo.dir, 'pre-merge-commit', env)],
      ['pre-push', hook(repo.dir, 'pre-push', env, `refs/heads/main ${head} refs/heads/main ${'0'.repeat(40)}\n`)],
    ] as const;
    for (const [name, run] of runs) {
      expect([name, run.code]).toEqual([name, 1]);
      expect(run.stderr, name).toContain("nixtag: error [TAG_CLONE_DEPENDENT]: Image 'app'");
      expect(run.stderr, name).toContain('\n  at default.nix:3:9\n');
      expect(run.stderr, name).toContain('hint: Leave `.git` out of the source: `src = lib.cleanSource ./.;`');
      expect(run.stdout, name).toContain('fails: the tag of app depends on the clone');
    }
    // fix says why it writes nothing, and writes nothing.
    expect(runs[3][1].stderr).toContain('`fix` writes no tag for them: none can be right');
    expect(repo.read('k8s/app.yaml')).toBe(deployment(`registry.example/app:${STALE}`));
    const json = JSON.parse(nixtagCli(repo.dir, ['check', '--json'], env).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ ok: false, errors: [{ code: 'TAG_CLONE_DEPENDENT', file: 'default.nix', line: 3 }] });
  });

  it('the hint’s filtered source is judged as CI computes it; a commit-dependent tag still only warns', () => {
    const repo = gitRepo({
      'default.nix': rootSource(
        'builtins.path { path = ./.; name = "source"; filter = path: type: baseNameOf path != ".git" && baseNameOf path != "k8s"; }',
      ),
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    const ci = n2k8sTag(freshClone(repo.dir), env);
    expect(n2k8sTag(freshClone(repo.dir), env)).toBe(ci);
    expect(nixtagCli(repo.dir, ['fix'], env).code).toBe(0);
    expect(repo.read('k8s/app.yaml')).toBe(deployment(`registry.example/app:${ci}`));
    // The commit read through fetchGit: unjudged before the commit exists, exit 0 by default.
    repo.write({ 'default.nix': rootSource('"${(builtins.fetchGit ./.).shortRev}"') });
    const commitBound = nixtagCli(repo.dir, ['check'], env);
    expect(commitBound.code).toBe(0);
    expect(commitBound.stderr).not.toContain('TAG_CLONE_DEPENDENT');
    expect(commitBound.stderr).toContain('depends on the commit');
  });
});
