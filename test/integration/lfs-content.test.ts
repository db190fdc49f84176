import { execFileSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment } from '../helpers/expressions.js';
import { gitRepo, n2k8sTag, tempDir, testEnv, type TestRepo } from '../helpers/repo.js';
import { LFS_FILTER, lfsClone } from '../helpers/trees.js';

const image = `{ system ? builtins.currentSystem }:
derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo \${builtins.readFile ./model.bin} > $out" ]; }
`;

/** A team's repository whose expression reads an LFS file, with `lfs: true` (CI's clone has git-lfs). */
function upstream(): TestRepo {
  const repo = gitRepo();
  for (const [key, value] of LFS_FILTER) repo.git('config', key, value);
  repo.write({
    '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n',
    'model.bin': 'the weights, v1\n',
    'default.nix': image,
    '.nixtagrc.yaml':
      'lfs: true\nimages:\n  - name: app\n    nix: default.nix\n    repository: registry.example.com/team/app\n',
    'k8s/app.yaml': deployment('registry.example.com/team/app:v1'),
  });
  repo.commit('lfs');
  return repo;
}

/** A teammate's clone made with GIT_LFS_SKIP_SMUDGE=1: pointers only, no content under .git/lfs. */
function skipSmudgeClone(from: TestRepo): string {
  const dir = path.join(tempDir('skip-smudge-'), 'app');
  execFileSync('git', ['clone', '--quiet', `file://${from.dir}`, dir], {
    env: testEnv({ GIT_LFS_SKIP_SMUDGE: '1' }),
  });
  for (const [key, value] of LFS_FILTER) execFileSync('git', ['config', key, value], { cwd: dir, env: testEnv() });
  return dir;
}

describe('LFS files whose content the clone does not have', () => {
  it('are fetched with git-lfs in the clone, and the tag is the one of a clone with their content', async () => {
    const origin = upstream();
    const clone = skipSmudgeClone(origin);
    const ci = n2k8sTag(lfsClone(origin.dir));
    const environments: Array<Record<string, string>> = [{ GIT_LFS_SKIP_SMUDGE: '1' }, {}];
    for (const env of environments) {
      const result = await nixtag(clone, ['check', '--staged', '--no-cache'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`expected: registry.example.com/team/app:${ci}`);
    }
  });

  it('fail with a hint, never a verdict, when git-lfs cannot fetch them', async () => {
    const origin = upstream();
    const clone = skipSmudgeClone(origin);
    renameSync(origin.dir, `${origin.dir}-gone`);
    const result = await nixtag(clone, ['check', '--staged']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('error [LFS_CONTENT_MISSING]');
    expect(result.stderr).toContain('hint: Run `git lfs pull`');
  });
});
