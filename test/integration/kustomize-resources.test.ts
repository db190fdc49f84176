import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deployment as appDeployment, plainImage } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo, type Files } from '../helpers/repo.js';

// A kustomization an image's globs name deploys every resource it reaches, whatever the
// resource's name or directory: those are judged as that image's manifests, in-process in real
// git repositories with real Nix, each case against what `kubectl kustomize` renders.
const REPO = 'registry.example.com/team/app';
const STALE_TAG = '0000000000000000000000000000000v';
const config = (manifests: string) =>
  `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n    manifests: ${manifests}\n`;

async function repoWith(files: Files, manifests: string) {
  const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config(manifests), ...files });
  const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
  expect(tag).toMatch(/^[0-9a-z]{32}$/);
  return { repo, tag };
}

/** A Deployment named `name` (kustomize refuses two of one name). */
const deployment = (reference: string, name: string) =>
  appDeployment(reference).replace('metadata:\n  name: app', `metadata:\n  name: ${name}`);

/** The images `kubectl kustomize <directory>` renders. */
function rendered(dir: string, kustomization: string): string[] {
  const output = execFileSync('kubectl', ['kustomize', kustomization], { cwd: dir, encoding: 'utf8' });
  return [...output.matchAll(/image: (.*)/g)].map((match) => match[1]!);
}

describe('resources of a kustomization among the manifests', () => {
  it.each([
    ['a resource whose name the glob leaves out', 'k8s/d2.txt', 'resources: [d1.yaml, d2.txt]\n'],
    ['a base outside the glob', 'base/deploy.yaml', 'resources: [d1.yaml, ../base]\n'],
  ])(
    'judges %s as a manifest of the image: stale fails, fix rewrites it, the hook sees it change',
    async (_, file, kustomization) => {
      const { repo, tag } = await repoWith(
        {
          'k8s/kustomization.yaml': kustomization,
          'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
          'k8s/d1.yaml': deployment(`${REPO}:${STALE_TAG}`, 'd1'),
          [file]: deployment(`${REPO}:${STALE_TAG}`, 'd2'),
        },
        '["k8s/**/*.yaml"]',
      );
      expect(rendered(repo.dir, 'k8s')).toEqual([`${REPO}:${STALE_TAG}`, `${REPO}:${STALE_TAG}`]);
      const stale = await nixtag(repo.dir, ['check']);
      expect(stale.code, stale.stderr).toBe(1);
      expect(stale.stdout).toContain(`${file}:`);

      expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
      expect(rendered(repo.dir, 'k8s')).toEqual([`${REPO}:${tag}`, `${REPO}:${tag}`]);
      repo.commit('right tags');
      expect((await nixtag(repo.dir, ['hook', 'pre-commit'])).code).toBe(0);

      // Only the resource goes stale again: the last verdict must not answer for it.
      repo.write({ [file]: deployment(`${REPO}:${STALE_TAG}`, 'd2') });
      repo.git('add', '-A');
      for (const command of [
        ['hook', 'pre-commit'],
        ['check', '--staged'],
        ['check', '--ci'],
      ]) {
        const run = await nixtag(repo.dir, command);
        expect(run.code, `${command.join(' ')}\n${run.stdout}${run.stderr}`).toBe(1);
        expect(run.stdout).toContain(`${file}:`);
      }
    },
  );
});
