import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { plainImage } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo } from '../helpers/repo.js';

// Argo CD hands Helm the string `helm.values` holds, whatever its YAML style: nixtag judges what
// is inside every style, and rewrites only a literal block it maps character by character.
const REPO = 'registry.example/app';
const STALE_TAG = '0000000000000000000000000000000a';
const config = `images:\n  - name: app\n    nix: default.nix\n    repository: ${REPO}\n`;

const application = (values: string) =>
  `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\nspec:\n  source:\n    repoURL: https://charts.example\n    chart: app\n    helm:\n      values: ${values}\n`;

const STYLES: Array<[string, (tag: string) => string]> = [
  ['an indentation indicator', (tag) => `|2\n        image:\n          repository: ${REPO}\n          tag: ${tag}`],
  ['a folded block', (tag) => `>\n        image:\n          repository: ${REPO}\n          tag: ${tag}`],
  ['a double-quoted string', (tag) => `"image: {repository: ${REPO}, tag: ${tag}}"`],
  ['a single-quoted string', (tag) => `'image: {repository: ${REPO}, tag: ${tag}}'`],
];

describe('Argo CD helm.values in a style nixtag cannot map back character by character', () => {
  it.each(STYLES)(
    'with %s: a stale tag fails check at the values line, fix refuses, a current one passes',
    async (_, values) => {
      const repo = gitRepo({
        'default.nix': plainImage,
        '.nixtagrc.yaml': config,
        'app.yaml': application(values(STALE_TAG)),
      });
      const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
      expect(tag).toMatch(/^[0-9a-z]{32}$/);

      const stale = await nixtag(repo.dir, ['check']);
      expect(stale.code, stale.stdout + stale.stderr).toBe(1);
      expect(stale.stdout).toContain('app.yaml:9:');
      expect(stale.stdout).toContain(STALE_TAG);

      const fix = await nixtag(repo.dir, ['fix']);
      expect(fix.code, fix.stdout + fix.stderr).toBe(2);
      expect(fix.stderr).toContain('REWRITE_UNSAFE');
      expect(repo.read('app.yaml')).toBe(application(values(STALE_TAG)));

      repo.write({ 'app.yaml': application(values(tag)) });
      repo.commit('current tag');
      const current = await nixtag(repo.dir, ['check']);
      expect(current.code, current.stdout + current.stderr).toBe(0);
    },
  );
});

// Argo CD runs `kustomize edit set image <image>` with each of a kustomize source's `images`, from
// the Application or from the `.argocd-source-<app>.yaml` Argo CD Image Updater writes back: the
// tag set there is deployed, as a kustomization's `images:` entry's is (adv13 F14).
describe('Argo CD kustomize image overrides', () => {
  const deployment = (tag: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${REPO}:${tag}\n`;
  const source = (images: string) =>
    `repoURL: https://git.example/repo.git\n    path: k8s\n    kustomize:\n      images:\n        - ${images}`;
  const CASES: Array<[string, string, (image: string) => string, number]> = [
    [
      'spec.source',
      'argo/app.yaml',
      (image) =>
        `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\nspec:\n  source:\n    ${source(image)}\n`,
      10,
    ],
    [
      'spec.sources[]',
      'argo/app.yaml',
      (image) =>
        `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\nspec:\n  sources:\n    - ${source(image).replaceAll('\n', '\n  ')}\n`,
      10,
    ],
    ['.argocd-source-app.yaml', 'k8s/.argocd-source-app.yaml', (image) => `kustomize:\n  images:\n    - ${image}\n`, 3],
    ['.argocd-source.yaml', 'k8s/.argocd-source.yaml', (image) => `kustomize:\n  images:\n    - "app=${image}"\n`, 3],
  ];
  it.each(CASES)(
    'in %s: a stale tag fails check at its line, fix rewrites it in place, a current one passes',
    async (_, file, override, line) => {
      const repo = gitRepo({
        'default.nix': plainImage,
        '.nixtagrc.yaml': config,
        'k8s/kustomization.yaml': 'resources: [deploy.yaml]\n',
        'k8s/deploy.yaml': deployment(STALE_TAG),
        [file]: override(`${REPO}:${STALE_TAG}`),
      });
      const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
      expect(tag).toMatch(/^[0-9a-z]{32}$/);
      repo.write({ 'k8s/deploy.yaml': deployment(tag) });
      repo.commit('deployment current, override stale');
      // What Argo builds: `kustomize edit set image` writes an images: entry, then kustomize renders it.
      const built = mkdtempSync(path.join(os.tmpdir(), 'argo-'));
      cpSync(path.join(repo.dir, 'k8s'), built, { recursive: true });
      appendFileSync(
        path.join(built, 'kustomization.yaml'),
        `images:\n  - name: ${REPO}\n    newTag: "${STALE_TAG}"\n`,
      );
      expect(execFileSync('kubectl', ['kustomize', built], { encoding: 'utf8' })).toContain(
        `image: ${REPO}:${STALE_TAG}`,
      );

      const stale = await nixtag(repo.dir, ['check', '--verbose']);
      expect(stale.code, stale.stdout + stale.stderr).toBe(1);
      expect(stale.stdout).toContain(`${file}:${line}:`);
      expect(stale.stdout).toContain(STALE_TAG);
      expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
      expect(repo.read(file)).toBe(override(`${REPO}:${tag}`));
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    },
  );
});

// adv15 F13: Argo CD applies an Application's `kustomize.patches` to the source's kustomization as
// its own `patches` (https://argo-cd.readthedocs.io/en/stable/user-guide/kustomize/#patches): one
// naming the managed image is refused as a kustomization's patch is (KUSTOMIZE_PATCH).
describe('Argo CD kustomize patches', () => {
  const deployment = (tag: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${REPO}:${tag}\n`;
  const jsonPatch = (value: string) =>
    `patches:\n  - target: {kind: Deployment, name: app}\n    patch: |-\n      - op: replace\n        path: ${value}\n`;
  const image = (tag: string) => `/spec/template/spec/containers/0/image\n        value: ${REPO}:${tag}`;
  const replicas = '/spec/replicas\n        value: 3';
  const application = (patch: string, sources: boolean) => {
    const source = `repoURL: https://git.example/repo.git\npath: k8s\nkustomize:\n${patch.replace(/^/gm, '  ')}`;
    return sources
      ? `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\nspec:\n  sources:\n    - ${source.trimEnd().replaceAll('\n', '\n      ')}\n`
      : `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: app}\nspec:\n  source:\n    ${source.trimEnd().replaceAll('\n', '\n    ')}\n`;
  };
  it.each([
    ['spec.source', false, 14],
    ['spec.sources[]', true, 14],
  ])('in %s: a patch setting the image is refused at its line; one of replicas passes', async (_, sources, line) => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config,
      'k8s/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'k8s/deploy.yaml': deployment(STALE_TAG),
    });
    const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();
    expect(tag).toMatch(/^[0-9a-z]{32}$/);
    repo.write({
      'k8s/deploy.yaml': deployment(tag),
      'argo/app.yaml': application(jsonPatch(image(STALE_TAG)), sources),
    });
    repo.commit('deployment current, patch stale');
    // What Argo builds: the patches added to the source's kustomization, rendered by kustomize.
    const built = mkdtempSync(path.join(os.tmpdir(), 'argo-'));
    cpSync(path.join(repo.dir, 'k8s'), built, { recursive: true });
    appendFileSync(path.join(built, 'kustomization.yaml'), jsonPatch(image(STALE_TAG)));
    expect(execFileSync('kubectl', ['kustomize', built], { encoding: 'utf8' })).toContain(
      `image: ${REPO}:${STALE_TAG}`,
    );
    rmSync(built, { recursive: true, force: true });

    const refused = await nixtag(repo.dir, ['check']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`nixtag: error [KUSTOMIZE_PATCH]: argo/app.yaml:${line}:`);
    expect(repo.read('argo/app.yaml').split('\n')[line - 1]).toContain(STALE_TAG);
    repo.write({ 'argo/app.yaml': application(jsonPatch(replicas), sources) });
    repo.commit('a patch of replicas');
    const passed = await nixtag(repo.dir, ['check']);
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
  });
});
