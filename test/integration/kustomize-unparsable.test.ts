import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo, type Files } from '../helpers/repo.js';

// A kustomization the yaml library cannot parse, outside every `manifests` glob. kubectl
// kustomize reads some YAML the library refuses (a quoted string continued on a line indented
// less than YAML 1.2 asks), so what it deploys is the oracle: where it reaches, names or is
// reached with an image's manifests nixtag refuses it (YAML_INVALID, file:line); elsewhere (a
// test fixture) it is none of nixtag's business.
const REPO = 'registry.example.com/team/app';
const CONFIG = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n    manifests: ['base/**']\n`;
/** A quoted tag continued at column 0: kubectl reads `<tag> x`, the yaml library refuses it. */
const brokenEntry = (name: string, tag: string) => `images:\n- name: ${name}\n  newTag: "${tag}\nx"\n`;

async function repoWith(files: (tag: string) => Files) {
  const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': CONFIG });
  const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
  expect(tag).toMatch(/^[0-9a-z]{32}$/);
  repo.write({
    'base/deployment.yaml': deployment(`${REPO}:${tag}`),
    'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
    ...files(tag),
  });
  repo.commit('layout');
  const rendered = (dir: string) =>
    [...execFileSync('kubectl', ['kustomize', dir], { cwd: repo.dir, encoding: 'utf8' }).matchAll(/image: (.*)/g)].map(
      (match) => match[1]!,
    );
  return { repo, tag, rendered };
}

describe('an unparsable kustomization outside the manifests', () => {
  it('is refused where it overlays an image manifest: kubectl deploys its stale tag', async () => {
    const { repo, rendered } = await repoWith(() => ({
      'overlay/kustomization.yaml': `resources: [../base]\n${brokenEntry(REPO, STALE)}`,
    }));
    expect(rendered('overlay')).toEqual([`${REPO}:${STALE} x`]);
    for (const command of [['check'], ['hook', 'pre-commit']]) {
      const run = await nixtag(repo.dir, command);
      expect(run.code, run.stdout + run.stderr).toBe(2);
      expect(run.stderr).toContain('nixtag: error [YAML_INVALID]: ');
      expect(run.stderr).toContain('at overlay/kustomization.yaml:4:');
    }
  });

  it('is refused where a kustomization that deploys an image manifest includes it', async () => {
    const { repo, rendered } = await repoWith(() => ({
      'overlay/kustomization.yaml': 'resources: [../base]\ncomponents: [../debug]\n',
      'debug/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n${brokenEntry('registry.example.com/team/.*', STALE)}`,
    }));
    expect(rendered('overlay')).toEqual([`${REPO}:${STALE} x`]);
    const run = await nixtag(repo.dir, ['check']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toContain('nixtag: error [YAML_INVALID]: ');
    expect(run.stderr).toContain('at debug/kustomization.yaml:');
  });

  it('is refused where it names the managed repository', async () => {
    const { repo } = await repoWith(() => ({ 'elsewhere/kustomization.yaml': brokenEntry(REPO, STALE) }));
    const run = await nixtag(repo.dir, ['check']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toContain('at elsewhere/kustomization.yaml:3:');
  });

  it('is refused where a word of it names an image manifest, though nixtag cannot tell what it sets', async () => {
    // kubectl renders the right tag here (only a label is unparsable); nixtag cannot read that it sets no image.
    const { repo, tag, rendered } = await repoWith(() => ({
      'overlay/kustomization.yaml': 'resources: [../base]\ncommonAnnotations: {note: "a\nb"}\n',
    }));
    expect(rendered('overlay')).toEqual([`${REPO}:${tag}`]);
    const run = await nixtag(repo.dir, ['check']);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toContain('and it may deploy base/');
    expect(run.stderr).toContain('at overlay/kustomization.yaml:2:');
  });

  it('is left alone where it reaches nothing of an image (a test fixture): check passes', async () => {
    const { repo, tag, rendered } = await repoWith(() => ({
      'overlay/kustomization.yaml': 'resources: [../base]\n',
      'test/fixtures/broken/kustomization.yaml': `resources: [deploy.yaml]\n${brokenEntry('other', 'v1')}`,
      'test/fixtures/broken/deploy.yaml': deployment('other:v0'),
    }));
    expect(rendered('overlay')).toEqual([`${REPO}:${tag}`]);
    expect(rendered('test/fixtures/broken')).toEqual(['other:v1 x']);
    const run = await nixtag(repo.dir, ['check']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
  });
});
