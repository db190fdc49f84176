import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { gitRepo, type Files } from '../helpers/repo.js';

// What a kustomization pulls in (src/manifest/kustomizeGraph.ts), run in-process in real git
// repositories with real Nix, each case against what `kubectl kustomize` renders.
const REPO = 'registry.example.com/team/app';
const STALE_TAG = '0000000000000000000000000000000v';
const config = (manifests?: string) =>
  `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n${manifests === undefined ? '' : `    manifests: ${manifests}\n`}`;

async function repoWith(files: Files, manifests?: string) {
  const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config(manifests), ...files });
  const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
  expect(tag).toMatch(/^[0-9a-z]{32}$/);
  return { repo, tag };
}

/** The images `kubectl kustomize <directory>` renders. */
function rendered(dir: string, kustomization: string): string[] {
  const output = execFileSync('kubectl', ['kustomize', kustomization], { cwd: dir, encoding: 'utf8' });
  return [...output.matchAll(/image: (.*)/g)].map((match) => match[1]!);
}

const jsonPatch = (image: string) =>
  `patches:\n  - target: {kind: Deployment, name: app}\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n        value: ${image}\n`;

describe('the kustomize graph', () => {
  for (const [what, file, content, line] of [
    [
      'a kustomization',
      'overlays/prod/kustomization.yaml',
      `resources: [../../k8s]\n${jsonPatch(`${REPO}:${STALE_TAG}`)}`,
      7,
    ],
    [
      'a Flux Kustomization',
      'clusters/app.yaml',
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app}\nspec:\n  path: ./k8s\n  ${jsonPatch(`${REPO}:${STALE_TAG}`).replaceAll('\n', '\n  ').trimEnd()}\n`,
      11,
    ],
  ] as const) {
    it(`refuses ${what} outside the globs whose patch sets the image, after an up-to-date verdict too (the hook agrees with a fresh run)`, async () => {
      const { repo, tag } = await repoWith(
        { 'k8s/kustomization.yaml': 'resources: [deploy.yaml]\n' },
        '["k8s/*.yaml"]',
      );
      repo.write({ 'k8s/deploy.yaml': deployment(`${REPO}:${tag}`) });
      repo.commit('right tag');
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0); // the verdict the next runs start from
      repo.write({ [file]: content });
      repo.git('add', '-A');
      if (what === 'a kustomization') expect(rendered(repo.dir, 'overlays/prod')).toEqual([`${REPO}:${STALE_TAG}`]);
      for (const command of [['hook', 'pre-commit'], ['check', '--staged'], ['check', '--staged', file], ['check']]) {
        const run = await nixtag(repo.dir, command);
        expect(run.code, command.join(' ')).toBe(2);
        expect(run.stderr).toContain(`nixtag: error [KUSTOMIZE_PATCH]: ${file}:${line}:`);
      }
    });
  }
});
