import { execFileSync } from 'node:child_process';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment } from '../helpers/expressions.js';
import { gitRepo, n2k8sTag, ciCheckout, tempDir, testEnv, type TestRepo } from '../helpers/repo.js';

const image = `{ system ? builtins.currentSystem }:
derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo \${builtins.readFile ./data.txt} > $out" ]; }
`;
const config = 'images:\n  - name: app\n    nix: default.nix\n    repository: registry.example.com/team/app\n';

/** A team's repository with its tags current, served so that clones may leave blobs behind. */
async function upstream(): Promise<TestRepo> {
  const repo = gitRepo({
    'default.nix': image,
    'data.txt': 'one\n',
    '.nixtagrc.yaml': config,
    'k8s/app.yaml': deployment('registry.example.com/team/app:v1'),
    'docs/big.txt': 'a file a sparse clone leaves out\n',
  });
  expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
  repo.commit('current tags');
  repo.git('config', 'uploadpack.allowFilter', 'true');
  repo.git('config', 'uploadpack.allowAnySHA1InWant', 'true');
  return repo;
}

/** `git clone --filter=blob:none --sparse`: only the top directory's files are fetched and written. */
function partialClone(from: TestRepo): TestRepo {
  const dir = path.join(tempDir('partial-'), 'app');
  execFileSync('git', ['clone', '--quiet', '--filter=blob:none', '--sparse', `file://${from.dir}`, dir], {
    env: testEnv(),
  });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: testEnv(), encoding: 'utf8' });
  return {
    dir,
    git,
    write: () => undefined,
    read: () => '',
    commit: () => undefined,
  };
}

const missingBlobs = (repo: TestRepo) =>
  repo
    .git('rev-list', '--objects', '--missing=print', 'HEAD^{tree}')
    .split('\n')
    .filter((line) => line.startsWith('?'));

// A partial clone (`--filter=blob:none`, as large monorepos are cloned) with a sparse checkout:
// nixtag's checkout borrows the clone's objects, so the blobs the clone never fetched must be
// fetched through git's promisor remote, and manifests outside the sparse work tree are judged
// from the judged tree.
describe('a partial clone with a sparse checkout', () => {
  it('is judged like a full clone: the blobs it lacks are fetched from its promisor remote', async () => {
    const clone = partialClone(await upstream());
    expect(missingBlobs(clone).length).toBeGreaterThan(0);
    const staged = await nixtag(clone.dir, ['check', '--staged']);
    expect(staged).toMatchObject({ code: 0, stderr: '' });
    expect(staged.stdout).toContain('1 reference up to date');
    expect(missingBlobs(clone)).toEqual([]);
  });

  it('judges a manifest the sparse work tree leaves out, from the tree the commit will hold', async () => {
    const origin = await upstream();
    const clone = partialClone(origin);
    execFileSync('sh', ['-c', 'echo two > data.txt'], { cwd: clone.dir });
    const stale = await nixtag(clone.dir, ['check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('k8s/app.yaml:10:18: stale reference to app');
    // The expected tag is CI's: n2k8s's command in a clean checkout of the same content.
    origin.write({ 'data.txt': 'two\n' });
    origin.commit('two');
    expect(stale.stdout).toContain(`expected: registry.example.com/team/app:${n2k8sTag(ciCheckout(origin))}`);
    // fix cannot write a file the work tree does not have, and says how to bring it in.
    const fix = await nixtag(clone.dir, ['fix']);
    expect(fix.code).toBe(2);
    expect(fix.stderr).toContain('error [NOT_CHECKED_OUT]: k8s/app.yaml is outside this sparse checkout');
    expect(fix.stderr).toContain('hint: Bring it into the work tree with `git sparse-checkout add k8s`');
  });

  it('fails with a hint, never a verdict, when the promisor remote cannot be reached', async () => {
    const origin = await upstream();
    const clone = partialClone(origin);
    renameSync(origin.dir, `${origin.dir}-gone`);
    const result = await nixtag(clone.dir, ['check', '--staged']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /error \[OBJECTS_MISSING\]: This is a partial clone: \d+ files of the judged tree were never fetched/,
    );
    expect(result.stderr).toContain('hint: Run `git fetch origin` when the remote can be reached');
  });
});
