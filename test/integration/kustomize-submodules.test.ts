import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { gitRepo, tempDir, testEnv, type Files, type TestRepo } from '../helpers/repo.js';

// A kustomization whose resources lie in a git submodule (src/engine/submoduleBases.ts): kubectl
// kustomize deploys the submodule's recorded commit, so nixtag reads it there. Run in-process in
// real git repositories with real Nix, each case against what `kubectl kustomize` renders.
const REPO = 'registry.example.com/team/app';
const STALE_TAG = '0000000000000000000000000000000v';
const OTHER_STALE = '0000000000000000000000000000000w';
const CONFIG = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n`;
const OVERLAY = 'overlays/prod/kustomization.yaml';
const allowFile = ['-c', 'protocol.file.allow=always'];

/** The images `kubectl kustomize <directory>` renders. */
function rendered(dir: string, kustomization: string): string[] {
  const output = execFileSync('kubectl', ['kustomize', kustomization], { cwd: dir, encoding: 'utf8' });
  return [...output.matchAll(/image: (.*)/g)].map((match) => match[1]!);
}

/** The upstream repository vendored as a submodule: its own files, committed. */
function upstreamRepo(parent: string, files: Files): TestRepo {
  return gitRepo(files, 'upstream', parent);
}

/**
 * The application: an image, a current manifest of its own (so that the image is referenced
 * whatever the submodule holds), the upstream repository as the submodule `vendor`, and an
 * overlay naming `resource` in it. Returns the repository and the image's tag.
 */
async function appWith(upstreamFiles: (tag: string) => Files, resource: string, extra: Files = {}) {
  const parent = tempDir();
  const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': CONFIG }, 'app', parent);
  const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
  expect(tag).toMatch(/^[0-9a-z]{32}$/);
  const upstream = upstreamRepo(parent, upstreamFiles(tag));
  repo.write({
    'k8s/deploy.yaml': deployment(`${REPO}:${tag}`).replace('name: app\n', 'name: main\n'),
    ...extra,
  });
  repo.commit('image');
  expect((await nixtag(repo.dir, ['check'])).code).toBe(0); // a verdict the next runs start from
  repo.git(...allowFile, 'submodule', 'add', '--quiet', upstream.dir, 'vendor');
  repo.write({ [OVERLAY]: `resources: [../../${resource}]\n` });
  repo.git('add', '-A');
  return { repo, upstream, tag };
}

/** A fresh `git clone --recurse-submodules` of the committed repository, as CI's. */
function ciClone(repo: TestRepo, recursive = true): string {
  const target = path.join(tempDir('ci-'), 'source');
  const args = ['clone', '--quiet', ...(recursive ? ['--recurse-submodules'] : []), repo.dir, target];
  execFileSync('git', [...allowFile, ...args], { env: testEnv() });
  return target;
}

const staleBase = (): Files => ({
  'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
  'base/deploy.yaml': deployment(`${REPO}:${STALE_TAG}`),
});

describe('a kustomization that reaches into a submodule', () => {
  it('judges a stale managed tag in a base inside the submodule: every run fails, fix refuses to write another repository', async () => {
    const { repo } = await appWith(staleBase, 'vendor/base');
    expect(rendered(repo.dir, 'overlays/prod')).toEqual([`${REPO}:${STALE_TAG}`]);
    for (const command of [['hook', 'pre-commit'], ['check', '--staged'], ['check']]) {
      const run = await nixtag(repo.dir, command);
      expect(run.code, command.join(' ')).toBe(1);
      expect(run.stdout, command.join(' ')).toContain(`vendor/base/deploy.yaml:10:18: stale reference to app`);
      // Not `nixtag fix`, which refuses another repository's file: the submodule is updated there.
      expect(run.stdout, command.join(' ')).toContain('Submodule vendor holds stale tags that a kustomization deploys');
    }
    repo.commit('vendored');
    const clone = ciClone(repo);
    const ci = await nixtag(clone, ['check'], { CI: 'true' });
    expect(ci.code).toBe(1);
    expect(ci.stdout).toContain('vendor/base/deploy.yaml');
    const fix = await nixtag(repo.dir, ['fix']);
    expect(fix.code).toBe(2);
    expect(fix.stderr).toContain('nixtag: error [IN_SUBMODULE]: vendor/base/deploy.yaml is in submodule vendor');
    expect(fix.stderr).toContain('git -C vendor pull');
    expect(repo.read('vendor/base/deploy.yaml')).toContain(STALE_TAG); // nothing written
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it("fix rewrites every file it can and refuses only the submodule's (exit 2, naming the submodule)", async () => {
    const { repo, tag } = await appWith(staleBase, 'vendor/base');
    const own = deployment(`${REPO}:${STALE_TAG}`).replace('name: app\n', 'name: main\n');
    repo.write({ 'k8s/deploy.yaml': own });
    repo.git('add', '-A');
    // The oracle: the overlay deploys the submodule's stale tag, which only its own repository can change.
    expect(rendered(repo.dir, 'overlays/prod')).toEqual([`${REPO}:${STALE_TAG}`]);
    const fix = await nixtag(repo.dir, ['fix']);
    expect(fix.code, fix.stdout + fix.stderr).toBe(2);
    expect(repo.read('k8s/deploy.yaml')).toBe(own.replace(STALE_TAG, tag)); // written
    expect(repo.read('vendor/base/deploy.yaml')).toContain(STALE_TAG); // left, refused
    expect(fix.stdout).toContain('k8s/deploy.yaml:10:18: fixed');
    expect(fix.stdout).toContain(
      'nixtag: fixed 1 reference (written); 1 stale reference in vendor/base/deploy.yaml is not rewritten',
    );
    expect(fix.stderr).toContain('nixtag: error [IN_SUBMODULE]: vendor/base/deploy.yaml is in submodule vendor');
    expect(fix.stderr).toContain('git -C vendor pull');
    // Again, with nothing left but the submodule's: the same refusal, nothing written.
    const again = await nixtag(repo.dir, ['fix', '--json']);
    expect(again.code).toBe(2);
    const json = JSON.parse(again.stdout) as { errors: Array<{ code: string; file: string }> };
    expect(json.errors).toEqual([expect.objectContaining({ code: 'IN_SUBMODULE', file: 'vendor/base/deploy.yaml' })]);
  });

  it('follows a kustomization inside the submodule to the base it names, and reads its images: entries', async () => {
    const { repo } = await appWith(
      (tag) => ({
        'overlay/kustomization.yaml': `resources: [../base]\nimages:\n  - name: ${REPO}\n    newTag: ${OTHER_STALE}\n`,
        'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
        'base/deploy.yaml': deployment(`${REPO}:${tag}`),
      }),
      'vendor/overlay',
    );
    expect(rendered(repo.dir, 'overlays/prod')).toEqual([`${REPO}:${OTHER_STALE}`]);
    const run = await nixtag(repo.dir, ['hook', 'pre-commit']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('vendor/overlay/kustomization.yaml:4:13: stale reference to app');
    expect(run.stdout).not.toContain('vendor/base/deploy.yaml');
  });

  it('refuses a patch inside the submodule that sets the managed image', async () => {
    const { repo } = await appWith(
      (tag) => ({
        'overlay/kustomization.yaml': `resources: [../base]\npatches:\n  - target: {kind: Deployment, name: app}\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n        value: ${REPO}:${OTHER_STALE}\n`,
        'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
        'base/deploy.yaml': deployment(`${REPO}:${tag}`),
      }),
      'vendor/overlay',
    );
    expect(rendered(repo.dir, 'overlays/prod')).toEqual([`${REPO}:${OTHER_STALE}`]);
    const run = await nixtag(repo.dir, ['check', '--staged']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nixtag: error [KUSTOMIZE_PATCH]: vendor/overlay/kustomization.yaml:7:');
  });

  it('passes a vendored base that names no managed image, and leaves the kustomizations it does not reach alone', async () => {
    const { repo } = await appWith(
      () => ({
        'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
        'base/deploy.yaml': deployment('nginx:1.25'),
        // Not named by any kustomization of the application: not deployed, not judged.
        'examples/kustomization.yaml': 'resources: [deploy.yaml]\n',
        'examples/deploy.yaml': deployment(`${REPO}:${STALE_TAG}`),
      }),
      'vendor/base',
    );
    expect(rendered(repo.dir, 'overlays/prod')).toEqual(['nginx:1.25']);
    for (const command of [['hook', 'pre-commit'], ['check', '--staged'], ['check']]) {
      const run = await nixtag(repo.dir, command);
      expect(run.code, `${command.join(' ')}: ${run.stderr}`).toBe(0);
    }
    repo.commit('vendored');
    expect((await nixtag(ciClone(repo), ['check'], { CI: 'true' })).code).toBe(0);
  });

  it('judges again when the submodule is moved to a commit with a stale tag after an up-to-date verdict (the hook does not skip it)', async () => {
    const { repo, upstream, tag } = await appWith(
      (current) => ({
        'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
        'base/deploy.yaml': deployment(`${REPO}:${current}`),
      }),
      'vendor/base',
    );
    expect((await nixtag(repo.dir, ['hook', 'pre-commit'])).code).toBe(0); // judged up to date
    repo.git('commit', '--quiet', '--no-verify', '-m', 'vendored');
    upstream.write({ 'base/deploy.yaml': deployment(`${REPO}:${STALE_TAG}`) });
    upstream.commit('stale');
    execFileSync('git', [...allowFile, 'pull', '--quiet', 'origin', 'main'], {
      cwd: path.join(repo.dir, 'vendor'),
      env: testEnv(),
    });
    repo.git('add', 'vendor');
    expect(repo.git('diff', '--cached', '--name-only').trim()).toBe('vendor'); // only the recorded commit moved
    expect(rendered(repo.dir, 'overlays/prod')).toEqual([`${REPO}:${STALE_TAG}`]);
    const run = await nixtag(repo.dir, ['hook', 'pre-commit']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`current:  ${REPO}:${STALE_TAG}`);
    expect(run.stdout).toContain(`expected: ${REPO}:${tag}`);
  });

  it('fails closed on a submodule this clone has not fetched, and on one CI does not fetch', async () => {
    const { repo } = await appWith(staleBase, 'vendor/base');
    repo.commit('vendored');
    const clone = ciClone(repo, false);
    const run = await nixtag(clone, ['check'], { CI: 'true' });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `nixtag: error [SUBMODULE_MISSING]: ${OVERLAY} names files in submodule vendor, recorded at commit`,
    );
    expect(run.stderr).toContain('git submodule update --init --recursive -- vendor');
    repo.write({ '.nixtagrc.yaml': `${CONFIG}submodules: false\n` });
    const unread = await nixtag(repo.dir, ['check']);
    expect(unread.code).toBe(2);
    expect(unread.stderr).toContain(`nixtag: error [SUBMODULE_UNREAD]: ${OVERLAY} names files in submodule vendor`);
  });

  it('fails closed on a submodule deinitialised after an up-to-date verdict (its tag cached), named through a symlink that now dangles', async () => {
    const { repo } = await appWith(
      (current) => ({
        'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
        'base/deploy.yaml': deployment(`${REPO}:${current}`),
      }),
      'linked',
    );
    symlinkSync('vendor/base', path.join(repo.dir, 'linked'));
    repo.commit('vendored through a link');
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0); // evaluated, cached, judged
    repo.git('submodule', 'deinit', '--quiet', '--force', 'vendor');
    rmSync(path.join(repo.dir, '.git/modules/vendor'), { recursive: true, force: true });
    // nixtag's checkouts and last verdict gone too, its tags still cached: nothing here holds the submodule's files.
    rmSync(path.join(repo.dir, '.git/nixtag/trees'), { recursive: true, force: true });
    rmSync(path.join(repo.dir, '.git/nixtag/judgement.json'));
    const run = await nixtag(repo.dir, ['check']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`nixtag: error [SUBMODULE_MISSING]: ${OVERLAY} names files in submodule vendor`);
  });
});
