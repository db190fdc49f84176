import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { encodeManifest } from '../../src/manifest/decode.js';
import { statePaths } from '../../src/state/paths.js';
import { gitRepo, type Files } from '../helpers/repo.js';

// What a kustomization pulls in (src/manifest/kustomize/), run in-process in real git
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

  const base = { 'base/kustomization.yaml': 'resources: [deployment.yaml]\n' };
  const other = (image: string) => deployment(image).replace('name: app\n', 'name: side\n');

  for (const name of ['deploy.json', 'deploy.txt', 'deploy']) {
    it(`reads a resource a kustomization names ${name} as the manifest kustomize reads it: judged, fixed, and watched by the hook`, async () => {
      const json = (image: string) =>
        `{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app2"}, "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "${image}"}]}}}}\n`;
      const { repo, tag } = await repoWith({
        ...base,
        'base/kustomization.yaml': `resources: [deployment.yaml, ${name}]\n`,
      });
      repo.write({
        'base/deployment.yaml': deployment(`${REPO}:${tag}`),
        [`base/${name}`]: json(`${REPO}:${STALE_TAG}`),
      });
      repo.commit('a stale tag in a resource not named .yaml');
      expect(rendered(repo.dir, 'base')).toEqual([`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`]);
      const check = await nixtag(repo.dir, ['check']);
      expect(check.code).toBe(1);
      expect(check.stdout).toContain(`base/${name}:1:`);
      expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
      expect(rendered(repo.dir, 'base')).toEqual([`${REPO}:${tag}`, `${REPO}:${tag}`]);
      repo.commit('fixed');
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
      // The last verdict was up to date: the resource going stale again is no idle commit.
      repo.write({ [`base/${name}`]: json(`${REPO}:${STALE_TAG}`) });
      repo.git('add', '-A');
      expect((await nixtag(repo.dir, ['hook', 'pre-commit'])).code).toBe(1);
    });
  }

  it('follows a resource directory that is a symlink, as kustomize does, and reads the resources there', async () => {
    const { repo, tag } = await repoWith({
      'shared/kustomization.yaml': 'resources: [deploy.txt]\n',
      'shared/deploy.txt': other(`${REPO}:${STALE_TAG}`),
      'overlay/kustomization.yaml': 'resources: [../base, linked]\n',
      ...base,
    });
    symlinkSync('../shared', path.join(repo.dir, 'overlay/linked'));
    repo.write({ 'base/deployment.yaml': deployment(`${REPO}:${tag}`) });
    repo.commit('a stale tag behind a linked directory');
    expect(rendered(repo.dir, 'overlay')).toEqual([`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`]);
    const check = await nixtag(repo.dir, ['check']);
    expect(check.code, check.stderr).toBe(1);
    expect(check.stdout).toContain('shared/deploy.txt:10:18: stale reference to app');
  });

  /** Repoints the symlink `link` (a repository path) at `target`, as a commit retargeting it does. */
  const repoint = (dir: string, link: string, target: string) => {
    rmSync(path.join(dir, link));
    symlinkSync(target, path.join(dir, link));
  };

  for (const resource of ['env/deploy.txt', 'env/sub/deploy.txt']) {
    it(`watches the linked directory a resource is read through (${resource}): retargeting the link alone is no idle commit`, async () => {
      const inside = resource.slice('env/'.length);
      const { repo, tag } = await repoWith({
        'k8s/kustomization.yaml': `resources: [${resource}]\n`,
        [`k8s/envs/b/${inside}`]: deployment(`${REPO}:${STALE_TAG}`),
      });
      repo.write({ [`k8s/envs/a/${inside}`]: deployment(`${REPO}:${tag}`) });
      symlinkSync('envs/a', path.join(repo.dir, 'k8s/env'));
      repo.commit('read through a linked directory');
      expect(rendered(repo.dir, 'k8s')).toEqual([`${REPO}:${tag}`]);
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0); // the verdict the next runs start from
      repoint(repo.dir, 'k8s/env', 'envs/b');
      repo.git('add', '-A');
      expect(repo.git('diff', '--cached', '--name-only').trim()).toBe('k8s/env');
      expect(rendered(repo.dir, 'k8s')).toEqual([`${REPO}:${STALE_TAG}`]);
      for (const command of [['hook', 'pre-commit'], ['check', '--staged'], ['check'], ['check', '--no-cache']]) {
        const run = await nixtag(repo.dir, command);
        expect(run.code, command.join(' ')).toBe(1);
        expect(run.stdout, command.join(' ')).toContain(`k8s/envs/b/${inside}:10:18: stale reference to app`);
      }
    });
  }

  it('records every link on the way to a kustomization directory a resource names, however high up', async () => {
    const { repo, tag } = await repoWith({
      'k8s/kustomization.yaml': 'resources: [env/sub]\n',
      'k8s/envs/a/sub/kustomization.yaml': 'resources: [deploy.txt]\n',
    });
    repo.write({ 'k8s/envs/a/sub/deploy.txt': deployment(`${REPO}:${tag}`) });
    symlinkSync('envs/a', path.join(repo.dir, 'k8s/env'));
    repo.commit('a kustomization reached through a linked directory');
    expect(rendered(repo.dir, 'k8s')).toEqual([`${REPO}:${tag}`]);
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    const judgement = JSON.parse(readFileSync(statePaths(path.join(repo.dir, '.git')).judgement, 'utf8')) as {
      manifests: string[];
    };
    expect(judgement.manifests).toContain('k8s/env');
  });

  // What kubectl kustomize renders for the overlay, and what nixtag says: never a pass of a stale tag.
  const configMap = (literal: string) => `configMapGenerator:\n  - name: c\n    literals: ["${literal}"]\n`;
  const replacement = (key: string, fieldPath: string, options = '', select = '{kind: Deployment}') =>
    `replacements:\n  - source: {kind: ConfigMap, name: c, fieldPath: data.${key}}\n    targets:\n      - select: ${select}\n        fieldPaths: ["${fieldPath}"]\n${options === '' ? '' : `        options: ${options}\n`}`;
  const imageTagTransformer = (name: string, tag: string) =>
    `apiVersion: builtin\nkind: ImageTagTransformer\nmetadata: {name: tag}\nimageTag: {name: "${name}", newTag: "${tag}"}\n`;
  const cases: Array<{
    what: string;
    files: Files;
    code: number;
    error?: string;
    deployed: (tag: string) => string[];
  }> = [
    {
      what: 'an ImageTagTransformer written inline under transformers',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\ntransformers:\n  - |-\n${imageTagTransformer(REPO, STALE_TAG).replace(/^/gm, '    ')}`,
      },
      code: 2,
      error: 'overlay/kustomization.yaml:7:', // where it names the image
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'an ImageTagTransformer in a file, its name a pattern',
      files: {
        'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [tag.yaml]\n',
        'overlay/tag.yaml': imageTagTransformer('registry[.]example[.]com/team/.*', STALE_TAG),
      },
      code: 2,
      error: 'overlay/tag.yaml:4:',
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: "an ImageTagTransformer among a transformers kustomization's resources",
      files: {
        'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [../transformers]\n',
        'transformers/kustomization.yaml': 'resources: [tag.txt]\n',
        'transformers/tag.txt': imageTagTransformer(REPO, STALE_TAG),
      },
      code: 2,
      error: 'transformers/tag.txt:4:',
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'an ImageTagTransformer of another image',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\ntransformers:\n  - |-\n${imageTagTransformer('nginx', '1.27').replace(/^/gm, '    ')}`,
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`, 'nginx:1.27'],
    },
    {
      what: 'a PatchTransformer whose patch is a file',
      files: {
        'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [patch.yaml]\n',
        'overlay/patch.yaml':
          'apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\ntarget: {kind: Deployment}\npath: image.patch\n',
        'overlay/image.patch': `- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: ${REPO}:${STALE_TAG}\n`,
      },
      code: 2,
      error: 'overlay/image.patch:3:',
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a JSON 6902 patch in a file of its own',
      files: {
        'overlay/kustomization.yaml':
          'resources: [../base]\npatches:\n  - path: patch.json\n    target: {kind: Deployment}\n',
        'overlay/patch.json': `[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "${REPO}:${STALE_TAG}"}]\n`,
      },
      code: 2,
      error: 'overlay/patch.json:1:',
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a JSON 6902 patch that copies another field into the image',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\npatches:\n  - target: {kind: Deployment, name: side}\n    patch: |-\n      - op: copy\n        from: /metadata/annotations/previous\n        path: /spec/template/spec/containers/0/image\n`,
        'overlay/side.yaml': other('nginx:1.25').replace(
          '  name: side\n',
          `  name: side\n  annotations: {previous: "${REPO}:${STALE_TAG}"}\n`,
        ),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:4:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a replacement of the whole image from a generated ConfigMap',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\n${configMap(`img=${REPO}:${STALE_TAG}`)}${replacement('img', 'spec.template.spec.containers.0.image')}`,
      },
      code: 2,
      error: 'overlay/kustomization.yaml:9:',
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a replacement of the tag alone (a delimiter), no repository named anywhere',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\n${configMap(`tag=${STALE_TAG}`)}${replacement('tag', 'spec.template.spec.containers.[name=app].image', "{delimiter: ':', index: 1}")}`,
      },
      code: 2,
      error: 'overlay/kustomization.yaml:9:',
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'replacements in a file, applied by a Component',
      files: {
        'overlay/kustomization.yaml': 'resources: [../base]\ncomponents: [../tagging]\n',
        'tagging/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n${configMap(`tag=${STALE_TAG}`)}replacements:\n  - path: tag.replacement\n`,
        'tagging/tag.replacement': `source: {kind: ConfigMap, name: c, fieldPath: data.tag}\ntargets:\n  - select: {kind: Deployment}\n    fieldPaths: ["spec.template.spec.containers.*.image"]\n    options: {delimiter: ':', index: 1}\n`,
      },
      code: 2,
      error: 'tagging/tag.replacement:4:',
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a ReplacementTransformer written inline under transformers',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\n${configMap(`tag=${STALE_TAG}`)}transformers:\n  - |-\n    apiVersion: builtin\n    kind: ReplacementTransformer\n    metadata: {name: r}\n    ${replacement('tag', 'spec.template.spec.containers.0.image', "{delimiter: ':', index: 1}").replaceAll('\n', '\n    ').trimEnd()}\n`,
      },
      code: 2,
      error: 'overlay/kustomization.yaml:6:',
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a replacement that creates an image field',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\n${configMap(`img=${REPO}:${STALE_TAG}`)}${replacement('img', 'spec.template.spec.initContainers.[name=init].image', '{create: true}')}`,
      },
      code: 2,
      error: 'overlay/kustomization.yaml:9:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a replacement that writes the managed image into another container',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap(`img=${REPO}:${STALE_TAG}`)}${replacement('img', 'spec.template.spec.containers.[name=side].image', '', '{kind: Deployment, name: side}')}`,
        'overlay/side.yaml': other('nginx:1.25').replace('- name: app', '- name: side'),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:9:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      // An initContainer given the app container's image: it deploys what nixtag judges there.
      what: 'a replacement that copies the judged image, whole, into another container',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\nreplacements:\n  - source: {kind: Deployment, name: app, fieldPath: spec.template.spec.containers.0.image}\n    targets:\n      - select: {kind: Deployment, name: side}\n        fieldPaths: ["spec.template.spec.containers.0.image"]\n`,
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${tag}`],
    },
    {
      what: 'a replacement that copies a piece of the judged image (a delimiter) into another container',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\nreplacements:\n  - source: {kind: Deployment, name: app, fieldPath: spec.template.spec.containers.0.image, options: {delimiter: ':', index: 0}}\n    targets:\n      - select: {kind: Deployment, name: side}\n        fieldPaths: ["spec.template.spec.containers.0.image"]\n`,
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:6:',
      deployed: (tag) => [`${REPO}:${tag}`, REPO],
    },
    {
      what: "a replacement of another image's tag, from a value that names no managed image",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('img=nginx:1.27')}${replacement('img', 'spec.template.spec.containers.[name=side].image', '', '{kind: Deployment, name: side}')}`,
        'overlay/side.yaml': other('nginx:1.25').replace('- name: app', '- name: side'),
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`, 'nginx:1.27'],
    },
    {
      what: "a var that kustomize's configurations substitute into the image's tag",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap(`tag=${STALE_TAG}`)}configurations: [varreference.yaml]\nvars:\n  - name: TAG\n    objref: {kind: ConfigMap, name: c, apiVersion: v1}\n    fieldref: {fieldpath: data.tag}\n`,
        'overlay/varreference.yaml':
          'varReference:\n  - path: spec/template/spec/containers/image\n    kind: Deployment\n',
        'overlay/side.yaml': other(`${REPO}:$(TAG)`),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:7:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: "a var in a container's arguments",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap(`tag=${STALE_TAG}`)}vars:\n  - name: TAG\n    objref: {kind: ConfigMap, name: c, apiVersion: v1}\n    fieldref: {fieldpath: data.tag}\n`,
        'overlay/side.yaml': other('nginx:1.25').replace(
          '          image:',
          '          args: ["--tag=$(TAG)"]\n          image:',
        ),
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`, 'nginx:1.25'],
    },
    {
      what: "a replacement of an image's registry alone (a delimiter), the registry written is no managed image by itself",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('host=registry.example.com')}${replacement('host', 'spec.template.spec.containers.[name=app].image', "{delimiter: '/', index: 0}", '{kind: Deployment, name: side}')}`,
        'overlay/side.yaml': other(`placeholder.example/team/app:${STALE_TAG}`),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:9:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: "a replacement of another image's tag alone (a delimiter), the image it leaves no managed one",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('tag=1.27')}${replacement('tag', 'spec.template.spec.containers.[name=app].image', "{delimiter: ':', index: 1}", '{kind: Deployment, name: side}')}`,
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`, 'nginx:1.27'],
    },
    {
      what: 'a replacement of a piece of the image of a Deployment a patch renames to the name it selects',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('host=registry.example.com')}${replacement('host', 'spec.template.spec.containers.[name=app].image', "{delimiter: '/', index: 0}", '{kind: Deployment, name: side}')}patches:\n  - target: {kind: Deployment, name: foo}\n    options: {allowNameChange: true}\n    patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata: {name: side}\n`,
        'overlay/side.yaml': other(`placeholder.example/team/app:${STALE_TAG}`).replace('name: side\n', 'name: foo\n'),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:9:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: "a replacement of another image's tag alone beside a patch of another resource",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('tag=1.27')}${replacement('tag', 'spec.template.spec.containers.[name=app].image', "{delimiter: ':', index: 1}", '{kind: Deployment, name: side}')}patches:\n  - target: {kind: Deployment, name: app}\n    patch: |-\n      - op: add\n        path: /spec/replicas\n        value: 2\n`,
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`, 'nginx:1.27'],
    },
    {
      what: 'a replacement of a piece of an image a patch writes first (the value it meets is not the one written)',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('host=registry.example.com')}${replacement('host', 'spec.template.spec.containers.[name=app].image', "{delimiter: '/', index: 0}", '{kind: Deployment, name: side}')}patches:\n  - target: {kind: Deployment, name: side}\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n        value: placeholder.example/team/app:${STALE_TAG}\n`,
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:9:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: "a var that kustomize's configurations substitute into the image's registry, the registry no managed image by itself",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('reg=registry.example.com')}configurations: [varreference.yaml]\nvars:\n  - name: REG\n    objref: {kind: ConfigMap, name: c, apiVersion: v1}\n    fieldref: {fieldpath: data.reg}\n`,
        'overlay/varreference.yaml':
          'varReference:\n  - path: spec/template/spec/containers/image\n    kind: Deployment\n',
        'overlay/side.yaml': other(`$(REG)/team/app:${STALE_TAG}`),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:7:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: "a var a base declares, substituted into the image of an overlay's resource",
      files: {
        'overlay/kustomization.yaml': 'resources: [../base, ../vars, side.yaml]\nconfigurations: [varreference.yaml]\n',
        'overlay/varreference.yaml':
          'varReference:\n  - path: spec/template/spec/containers/image\n    kind: Deployment\n',
        'overlay/side.yaml': other(`$(REG)/team/app:${STALE_TAG}`),
        'vars/kustomization.yaml': `${configMap('reg=registry.example.com')}vars:\n  - name: REG\n    objref: {kind: ConfigMap, name: c, apiVersion: v1}\n    fieldref: {fieldpath: data.reg}\n`,
      },
      code: 2,
      error: 'vars/kustomization.yaml:5:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: "a var an images: entry writes into the image, kustomize's configurations substituting it",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('reg=registry.example.com')}configurations: [varreference.yaml]\nvars:\n  - name: REG\n    objref: {kind: ConfigMap, name: c, apiVersion: v1}\n    fieldref: {fieldpath: data.reg}\nimages:\n  - name: nginx\n    newName: $(REG)/team/app\n    newTag: ${STALE_TAG}\n`,
        'overlay/varreference.yaml':
          'varReference:\n  - path: spec/template/spec/containers/image\n    kind: Deployment\n',
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:7:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: "a var a patch file writes into the image, kustomize's configurations substituting it",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('reg=registry.example.com')}configurations: [varreference.yaml]\nvars:\n  - name: REG\n    objref: {kind: ConfigMap, name: c, apiVersion: v1}\n    fieldref: {fieldpath: data.reg}\npatches:\n  - path: patch.yaml\n`,
        'overlay/varreference.yaml':
          'varReference:\n  - path: spec/template/spec/containers/image\n    kind: Deployment\n',
        'overlay/side.yaml': other('nginx:1.25'),
        'overlay/patch.yaml': other(`$(REG)/team/app:${STALE_TAG}`),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:7:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a var whose ConfigMap a patch writes first (what it reads is not what the resource writes)',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml, cm.yaml]\nconfigurations: [varreference.yaml]\nvars:\n  - name: REG\n    objref: {kind: ConfigMap, name: cm, apiVersion: v1}\n    fieldref: {fieldpath: data.reg}\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: cm}\n      data: {reg: registry.example.com}\n`,
        'overlay/varreference.yaml':
          'varReference:\n  - path: spec/template/spec/containers/image\n    kind: Deployment\n',
        'overlay/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {reg: placeholder.example}\n',
        'overlay/side.yaml': other(`$(REG)/team/app:${STALE_TAG}`),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:4:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a var whose ConfigMap a replacement writes first',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml, cm.yaml]\nconfigurations: [varreference.yaml]\nvars:\n  - name: REG\n    objref: {kind: ConfigMap, name: cm, apiVersion: v1}\n    fieldref: {fieldpath: data.reg}\nreplacements:\n  - source: {kind: ConfigMap, name: cm, fieldPath: data.host}\n    targets:\n      - select: {kind: ConfigMap, name: cm}\n        fieldPaths: [data.reg]\n`,
        'overlay/varreference.yaml':
          'varReference:\n  - path: spec/template/spec/containers/image\n    kind: Deployment\n',
        'overlay/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {reg: placeholder.example, host: registry.example.com}\n',
        'overlay/side.yaml': other(`$(REG)/team/app:${STALE_TAG}`),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:4:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a replacement that copies into the image a field another replacement writes a piece of first',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml, cm.yaml]\nreplacements:\n  - source: {kind: ConfigMap, name: cm, fieldPath: data.host}\n    targets:\n      - select: {kind: ConfigMap, name: cm}\n        fieldPaths: [data.img]\n        options: {delimiter: '/', index: 0}\n  - source: {kind: ConfigMap, name: cm, fieldPath: data.img}\n    targets:\n      - select: {kind: Deployment, name: side}\n        fieldPaths: [spec.template.spec.containers.0.image]\n`,
        'overlay/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {img: "placeholder.example/team/app:${STALE_TAG}", host: registry.example.com}\n`,
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:11:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a replacement that copies into the image a generated field another replacement writes a piece of first',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\nconfigMapGenerator:\n  - name: c\n    literals: ["img=placeholder.example/team/app:${STALE_TAG}", "host=registry.example.com"]\nreplacements:\n  - source: {kind: ConfigMap, name: c, fieldPath: data.host}\n    targets:\n      - select: {kind: ConfigMap, name: c}\n        fieldPaths: [data.img]\n        options: {delimiter: '/', index: 0}\n  - source: {kind: ConfigMap, name: c, fieldPath: data.img}\n    targets:\n      - select: {kind: Deployment, name: side}\n        fieldPaths: [spec.template.spec.containers.0.image]\n`,
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 2,
      error: 'overlay/kustomization.yaml:14:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    {
      what: "a var a patch writes into a container's arguments, kustomize's configurations substituting vars in images",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('reg=registry.example.com')}configurations: [varreference.yaml]\nvars:\n  - name: REG\n    objref: {kind: ConfigMap, name: c, apiVersion: v1}\n    fieldref: {fieldpath: data.reg}\npatches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata: {name: side}\n      spec:\n        template:\n          spec:\n            containers:\n              - name: app\n                args: ["--registry=$(REG)"]\n`,
        'overlay/varreference.yaml':
          'varReference:\n  - path: spec/template/spec/containers/image\n    kind: Deployment\n',
        'overlay/side.yaml': other('nginx:1.25'),
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`, 'nginx:1.25'],
    },
    {
      what: "a var substituted into another image's registry, the image it leaves no managed one",
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap('reg=docker.io')}configurations: [varreference.yaml]\nvars:\n  - name: REG\n    objref: {kind: ConfigMap, name: c, apiVersion: v1}\n    fieldref: {fieldpath: data.reg}\n`,
        'overlay/varreference.yaml':
          'varReference:\n  - path: spec/template/spec/containers/image\n    kind: Deployment\n',
        'overlay/side.yaml': other('$(REG)/library/nginx:1.25'),
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`, 'docker.io/library/nginx:1.25'],
    },
    {
      what: 'a replacement into a Deployment kept in a List',
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap(`img=${REPO}:${STALE_TAG}`)}${replacement('img', 'spec.template.spec.containers.[name=app].image', '', '{kind: Deployment, name: side}')}`,
        'overlay/side.yaml': `apiVersion: v1\nkind: List\nitems:\n  - ${other('nginx:1.25').trimEnd().replaceAll('\n', '\n    ')}\n`,
      },
      code: 2,
      error: 'overlay/kustomization.yaml:9:',
      deployed: (tag) => [`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`],
    },
    // An images: entry's name is a Go regexp matched against the base's image as written: one with
    // a tag or an anchor the base does not write matches nothing (kustomize 5.5 image.IsImageMatched).
    ...[`${REPO}:latest`, `${REPO}$`, `${REPO}:v[0-9]+`].map((name) => ({
      what: `an images: entry named ${name} that the base's image does not match, its newTag stale`,
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\nimages:\n  - name: "${name}"\n    newTag: ${STALE_TAG}\n`,
      },
      code: 0,
      deployed: (tag: string) => [`${REPO}:${tag}`],
    })),
    {
      what: "an images: entry named with the base's tag pattern, its newTag stale",
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\nimages:\n  - name: "${REPO}:[0-9a-z]+$"\n    newTag: ${STALE_TAG}\n`,
      },
      code: 1,
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'an earlier pattern images: entry with a stale tag that a later literal entry sets again',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\nimages:\n  - name: "registry.example.com/team/.*"\n    newTag: ${STALE_TAG}\n  - name: ${REPO}\n    newTag: RIGHT\n`,
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`],
    },
    {
      what: 'an earlier pattern images: entry that a later literal entry with a stale tag sets again',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\nimages:\n  - name: ".*app"\n    newTag: RIGHT\n  - name: ${REPO}\n    newTag: ${STALE_TAG}\n`,
      },
      code: 1,
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a later images: entry named by the tag an earlier pattern entry leaves, its newTag stale',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\nimages:\n  - name: "registry.example.com/team/.*"\n    newTag: v1\n  - name: "${REPO}:v1"\n    newTag: ${STALE_TAG}\n`,
      },
      code: 1,
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: "an images: entry named by the tag a base kustomization's entry sets, its newTag stale",
      files: {
        'mid/kustomization.yaml': `resources: [../base]\nimages:\n  - name: ${REPO}\n    newTag: v1\n`,
        'overlay/kustomization.yaml': `resources: [../mid]\nimages:\n  - name: "${REPO}:v1"\n    newTag: ${STALE_TAG}\n`,
      },
      code: 1,
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    // A container written on one line: another field a replacement writes there is not its image.
    ...(
      [
        ['env.[name=X].value', '2', 'RIGHT', 0],
        ['imagePullPolicy', 'IfNotPresent', 'RIGHT', 0],
        ['env.[name=X].value', '2', STALE_TAG, 1],
        ['image', STALE_TAG, 'RIGHT', 2, "{delimiter: ':', index: 1}"],
        ['image', `${REPO}:${STALE_TAG}`, 'RIGHT', 2],
      ] as const
    ).map(([field, value, sideTag, code, options]) => ({
      what: `a replacement of ${field} (${value}) in a container written on one line with its image (${sideTag === 'RIGHT' ? 'current' : 'stale'})`,
      files: {
        'overlay/kustomization.yaml': `resources: [../base, side.yaml]\n${configMap(`x=${value}`)}${replacement('x', `spec.template.spec.containers.[name=app].${field}`, options, '{kind: Deployment, name: side}')}`,
        'overlay/side.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: side}\nspec:\n  template:\n    spec:\n      containers: [{name: app, image: "${REPO}:${sideTag}", imagePullPolicy: Always, env: [{name: X, value: "1"}]}]\n`,
      },
      code,
      ...(code === 2 ? { error: 'overlay/kustomization.yaml:9:' } : {}),
      deployed: (tag: string) => [
        `${REPO}:${tag}`,
        field === 'image' ? `${REPO}:${STALE_TAG}` : `${REPO}:${sideTag === 'RIGHT' ? tag : STALE_TAG}`,
      ],
    })),
    // A generator kustomize builds in (apiVersion: builtin) writes its literals as a ConfigMap's or
    // Secret's data, as configMapGenerator: does: an image named there is a mention, not refused.
    ...(['ConfigMapGenerator', 'SecretGenerator'] as const).map((kind) => ({
      what: `a generators file that is a builtin ${kind} whose literal names the image at its tag`,
      files: {
        'overlay/kustomization.yaml': 'resources: [../base]\ngenerators: [gen.yaml]\n',
        'overlay/gen.yaml': `apiVersion: builtin\nkind: ${kind}\nmetadata: {name: c}\nliterals: ["IMAGE=${REPO}:RIGHT"]\n`,
      },
      code: 0,
      deployed: (tag: string) => [`${REPO}:${tag}`],
    })),
    {
      what: 'an inline builtin ConfigMapGenerator under generators whose literal names the image at its tag',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\ngenerators:\n  - |-\n    apiVersion: builtin\n    kind: ConfigMapGenerator\n    metadata: {name: c}\n    literals: ["IMAGE=${REPO}:RIGHT"]\n`,
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`],
    },
    {
      what: "a replacement that copies a builtin generator's literal, a stale image, into the image",
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\ngenerators: [gen.yaml]\n${replacement('img', 'spec.template.spec.containers.0.image')}`,
        'overlay/gen.yaml': `apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata: {name: c}\nliterals: ["img=${REPO}:${STALE_TAG}"]\n`,
      },
      code: 2,
      error: 'overlay/kustomization.yaml:7:',
      deployed: () => [`${REPO}:${STALE_TAG}`],
    },
    {
      what: 'a replacement of a label',
      files: {
        'overlay/kustomization.yaml': `resources: [../base]\n${configMap('team=payments')}${replacement('team', 'metadata.labels.team', '{create: true}')}`,
      },
      code: 0,
      deployed: (tag) => [`${REPO}:${tag}`],
    },
  ];
  for (const testCase of cases) {
    it(`${testCase.code === 0 ? 'passes' : 'refuses'} ${testCase.what}, as kubectl kustomize renders it`, async () => {
      const { repo, tag } = await repoWith({ ...base });
      repo.write(
        Object.fromEntries(
          Object.entries(testCase.files).map(([file, content]) => [file, content.replaceAll('RIGHT', tag)]),
        ),
      );
      repo.write({ 'base/deployment.yaml': deployment(`${REPO}:${tag}`) });
      repo.commit('right tag in the base');
      expect(rendered(repo.dir, 'overlay')).toEqual(testCase.deployed(tag));
      const run = await nixtag(repo.dir, ['check']);
      expect(run.code, run.stdout + run.stderr).toBe(testCase.code);
      if (testCase.error !== undefined) {
        expect(run.stderr).toContain(`nixtag: error [KUSTOMIZE_PATCH]: ${testCase.error}`);
        expect(run.stderr).toContain('hint: ');
      }
    });
  }

  // kustomize (go-yaml) decodes a UTF-16 kustomization or patch with a byte order mark; UTF-32 it
  // refuses ("control characters are not allowed"): either way not a pass (adv13 F1, F2).
  const patchFile = (image: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${image}\n`;
  const flux = (image: string) =>
    `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app}\nspec:\n  path: ./k8s\n  ${jsonPatch(image).replaceAll('\n', '\n  ').trimEnd()}\n`;
  for (const [what, file, kustomization, content, line] of [
    ['a patch file', 'k8s/patch.json', 'resources: [deploy.yaml]\npatches:\n  - path: patch.json\n', patchFile, 9],
    [
      'a kustomization',
      'k8s/kustomization.yaml',
      undefined,
      (image: string) => `resources: [deploy.yaml]\n${jsonPatch(image)}`,
      7,
    ],
    ['a Flux Kustomization outside the globs', 'clusters/app.yaml', undefined, flux, 11],
  ] as const) {
    it(`reads ${what} in UTF-16 or UTF-32 as its UTF-8 twin: a stale image set there is refused, by the hook too`, async () => {
      const { repo, tag } = await repoWith(
        { 'k8s/kustomization.yaml': kustomization ?? 'resources: [deploy.yaml]\n' },
        '["k8s/deploy.yaml"]',
      );
      repo.write({ 'k8s/deploy.yaml': deployment(`${REPO}:${tag}`) });
      repo.commit('right tag');
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0); // the verdict the hook starts from
      const stale = content(`${REPO}:${STALE_TAG}`);
      for (const encoding of ['utf-8', 'utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'] as const) {
        const bom = encoding === 'utf-8' ? '' : '\ufeff';
        repo.write({ [file]: '' }); // its directory
        writeFileSync(path.join(repo.dir, file), encodeManifest(bom + stale, encoding));
        repo.git('add', '-A');
        if (file.startsWith('k8s/')) {
          if (encoding.startsWith('utf-32')) expect(() => rendered(repo.dir, 'k8s')).toThrow();
          else expect(rendered(repo.dir, 'k8s')).toContain(`${REPO}:${STALE_TAG}`);
        }
        for (const command of [['hook', 'pre-commit'], ['check']]) {
          const run = await nixtag(repo.dir, command);
          expect(run.code, `${encoding}: ${command.join(' ')}`).toBe(2);
          expect(run.stderr).toContain(`nixtag: error [KUSTOMIZE_PATCH]: ${file}:${line}:`);
        }
      }
    });
  }

  // kustomize fetches a remote base (a git URL, a file over HTTP) and deploys what it holds; an
  // `images:` entry above it retags what it fetches too (adv13 F7).
  describe('a remote resource', () => {
    const remoteBase = () => {
      const remote = gitRepo({
        'k8s/kustomization.yaml': 'resources: [deploy.yaml]\n',
        'k8s/deploy.yaml': other(`${REPO}:${STALE_TAG}`),
      });
      return `file://${remote.dir}//k8s?ref=main`;
    };
    const entry = (tag: string) => `images:\n  - name: ${REPO}\n    newTag: "${tag}"\n`;

    it('is refused where an image is deployed and no images: entry sets its tag, in every URL form kustomize fetches', async () => {
      const url = remoteBase();
      const { repo, tag } = await repoWith({ 'k8s/kustomization.yaml': `resources:\n  - deploy.yaml\n  - ${url}\n` });
      repo.write({ 'k8s/deploy.yaml': deployment(`${REPO}:${tag}`) });
      repo.commit('right tag');
      expect(rendered(repo.dir, 'k8s')).toEqual([`${REPO}:${tag}`, `${REPO}:${STALE_TAG}`]);
      for (const link of [
        url,
        'https://github.com/example/infra//k8s/app?ref=v1',
        'github.com/example/infra/k8s/app?ref=v1',
        'git@github.com:example/infra.git//k8s/app',
        'https://raw.githubusercontent.com/example/infra/v1/deploy.yaml',
      ]) {
        repo.write({ 'k8s/kustomization.yaml': `resources:\n  - deploy.yaml\n  - ${link}\n` });
        repo.git('add', '-A');
        for (const command of [['hook', 'pre-commit'], ['check']]) {
          const run = await nixtag(repo.dir, command);
          expect(run.code, `${link}: ${command.join(' ')}`).toBe(2);
          expect(run.stderr).toContain(`nixtag: error [KUSTOMIZE_REMOTE]: k8s/kustomization.yaml:3:`);
        }
      }
    });

    it('is judged through the images: entry of its kustomization or an overlay above it, which retags what it fetches', async () => {
      const url = remoteBase();
      for (const [files, kustomization] of [
        [{ 'k8s/kustomization.yaml': `resources:\n  - deploy.yaml\n  - ${url}\n${entry(STALE_TAG)}` }, 'k8s'],
        [
          {
            'k8s/kustomization.yaml': `resources:\n  - deploy.yaml\n  - ${url}\n`,
            'overlays/prod/kustomization.yaml': `resources: [../../k8s]\n${entry(STALE_TAG)}`,
          },
          'overlays/prod',
        ],
      ] as const) {
        const { repo, tag } = await repoWith({ ...files, 'k8s/deploy.yaml': deployment(`${REPO}:${STALE_TAG}`) });
        expect(rendered(repo.dir, kustomization)).toEqual([`${REPO}:${STALE_TAG}`, `${REPO}:${STALE_TAG}`]);
        expect((await nixtag(repo.dir, ['check'])).code, kustomization).toBe(1);
        expect((await nixtag(repo.dir, ['fix'])).code, kustomization).toBe(0);
        expect(rendered(repo.dir, kustomization)).toEqual([`${REPO}:${tag}`, `${REPO}:${tag}`]);
        expect((await nixtag(repo.dir, ['check'])).code, kustomization).toBe(0);
      }
    });
  });

  // `kustomize build --enable-helm` merges a helmCharts entry's values over the chart's values.yaml
  // (helm's merge): an `image.tag` alone deploys the chart's repository at that tag (adv13 F6).
  describe('a Helm chart given values by its kustomization', () => {
    const chart = (home: string, tag: string) => ({
      [`k8s/${home}/app/Chart.yaml`]: 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
      [`k8s/${home}/app/values.yaml`]: `image:\n  repository: ${REPO}\n  tag: "${tag}"\n`,
      [`k8s/${home}/app/templates/deployment.yaml`]:
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
    });
    const tagOnly = `image:\n  tag: "${STALE_TAG}"\n`;
    for (const [what, home, kustomization, extra, refused, error = '[KUSTOMIZE_PATCH]: k8s/kustomization.yaml:'] of [
      [
        'valuesInline',
        'charts',
        `helmCharts:\n  - name: app\n    releaseName: app\n    valuesInline:\n      image: {tag: "${STALE_TAG}"}\n`,
        {},
        true,
      ],
      [
        'valuesFile',
        'charts',
        'helmCharts:\n  - name: app\n    valuesFile: values-prod.yaml\n',
        { 'k8s/values-prod.yaml': tagOnly },
        true,
        // A values file in no chart's directory is refused first, on its own line.
        '[HELM_VALUES_UNBOUND]: k8s/values-prod.yaml sets `image.tag` with no repository beside it',
      ],
      [
        'additionalValuesFiles',
        'charts',
        'helmCharts:\n  - name: app\n    additionalValuesFiles: [values-prod.yaml]\n',
        { 'k8s/values-prod.yaml': tagOnly },
        true,
        // A values file in no chart's directory is refused first, on its own line.
        '[HELM_VALUES_UNBOUND]: k8s/values-prod.yaml sets `image.tag` with no repository beside it',
      ],
      [
        'valuesInline under another chartHome',
        'helm',
        `helmGlobals: {chartHome: helm}\nhelmCharts:\n  - name: app\n    valuesInline: {global: {imageTag: "${STALE_TAG}"}}\n`,
        {},
        true,
      ],
      [
        'valuesInline that sets no image',
        'charts',
        'helmCharts:\n  - name: app\n    valuesInline: {replicaCount: 2}\n',
        {},
        false,
      ],
    ] as const) {
      it(`${refused ? 'refuses' : 'passes'} ${what} over a chart whose values name the image`, async () => {
        const { repo, tag } = await repoWith({ 'k8s/kustomization.yaml': kustomization, ...extra });
        repo.write(chart(home, tag));
        repo.commit('chart at the right tag');
        const run = await nixtag(repo.dir, ['check']);
        expect(run.code, run.stderr).toBe(refused ? 2 : 0);
        if (refused) expect(run.stderr).toContain(`nixtag: error ${error}`);
      });
    }
  });

  // A YAML escape spells a name that a literal search of its spelling misses; kustomize and Flux
  // read the scalar's value (adv13 F9, F10).
  const escapedSpellings: Array<[string, string]> = [
    ['\\x2f', REPO.replace('/', '\\x2f')],
    ['\\u002f', REPO.replace('/', '\\u002f')],
    ['\\/', REPO.replace('/', '\\/')],
    ['\\x2e', REPO.replace('.', '\\x2e')],
    ['an escaped line break', REPO.replace('/', '/\\\n          ')],
  ];
  it('refuses a Flux Kustomization outside the globs whose patch sets the image through a YAML escape, by the hook too', async () => {
    const { repo, tag } = await repoWith({ 'k8s/kustomization.yaml': 'resources: [deploy.yaml]\n' }, '["k8s/*.yaml"]');
    repo.write({ 'k8s/deploy.yaml': deployment(`${REPO}:${tag}`) });
    repo.commit('right tag');
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0); // the verdict the hook starts from
    for (const [what, spelling] of escapedSpellings) {
      repo.write({ 'clusters/app.yaml': flux(`"${spelling}:${STALE_TAG}"`) });
      repo.git('add', '-A');
      for (const command of [['hook', 'pre-commit'], ['check']]) {
        const run = await nixtag(repo.dir, command);
        expect(run.code, `${what}: ${command.join(' ')}`).toBe(2);
        expect(run.stderr).toContain(`nixtag: error [KUSTOMIZE_PATCH]: clusters/app.yaml:11:`);
      }
    }
  });

  it('refuses a resource kubectl reads and nixtag cannot parse that names the image through a YAML escape', async () => {
    const { repo, tag } = await repoWith({ 'k8s/kustomization.yaml': 'resources: [deploy.yaml, worker.yaml]\n' });
    repo.write({ 'k8s/deploy.yaml': deployment(`${REPO}:${tag}`) });
    for (const [what, spelling] of escapedSpellings.slice(0, 4)) {
      // go-yaml (kubectl, kustomize) reads a flow sequence whose entry starts at column 1; the yaml package refuses it.
      repo.write({
        'k8s/worker.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: worker}\nspec:\n  template:\n    spec:\n      containers: [\n{"name": "worker", "image": "${spelling}:${STALE_TAG}"}\n      ]\n`,
      });
      repo.commit(what);
      // go-yaml has no `\/` escape: kubectl fails on it (CI rejects), and a refusal is right too.
      if (what === '\\/') expect(() => rendered(repo.dir, 'k8s')).toThrow(/unknown escape/);
      else expect(rendered(repo.dir, 'k8s'), what).toContain(`${REPO}:${STALE_TAG}`);
      const run = await nixtag(repo.dir, ['check']);
      expect(run.code, `${what}: ${run.stdout}${run.stderr}`).toBe(2);
      expect(run.stderr).toContain('k8s/worker.yaml');
    }
  });

  // adv14 F8: a patch (or a transformer's configuration) written as a YAML alias of a string
  // anchored elsewhere (`patch: *p`): kustomize and Flux read the anchored text there (go-yaml
  // resolves aliases; kubectl kustomize renders what it sets), so it is refused as the same patch
  // written inline is, at the line of the anchored text that names the image.
  describe('a setting written as an alias of an anchor elsewhere', () => {
    const replace = (image: string) =>
      `[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "${image}"}]`;
    const cases: Array<[string, string, string, number, boolean]> = [
      [
        'a JSON 6902 patch aliasing an annotation',
        'k8s/kustomization.yaml',
        `resources: [deploy.yaml]\ncommonAnnotations:\n  note: &p '${replace(`${REPO}:${STALE_TAG}`)}'\npatches:\n  - target: {kind: Deployment}\n    patch: *p\n`,
        3,
        true,
      ],
      [
        'a strategic-merge patch aliasing an annotation block',
        'k8s/kustomization.yaml',
        `resources: [deploy.yaml]\ncommonAnnotations:\n  note: &p |\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: app}\n    spec:\n      template:\n        spec:\n          containers:\n            - name: app\n              image: ${REPO}:${STALE_TAG}\npatches:\n  - patch: *p\n`,
        12,
        true,
      ],
      [
        'an inline transformer aliasing an annotation block',
        'k8s/kustomization.yaml',
        `resources: [deploy.yaml]\ncommonAnnotations:\n  note: &t |\n    apiVersion: builtin\n    kind: ImageTagTransformer\n    metadata: {name: retag}\n    imageTag:\n      name: ${REPO}\n      newTag: "${STALE_TAG}"\ntransformers:\n  - *t\n`,
        8,
        true,
      ],
      [
        'a Flux Kustomization patch aliasing a metadata annotation',
        'clusters/app.yaml',
        `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  annotations:\n    note: &p |\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n        value: ${REPO}:${STALE_TAG}\nspec:\n  path: ./k8s\n  sourceRef: {kind: GitRepository, name: repo}\n  patches:\n    - target: {kind: Deployment}\n      patch: *p\n`,
        9,
        true,
      ],
      [
        'a patch aliasing an annotation that names no image (control)',
        'k8s/kustomization.yaml',
        `resources: [deploy.yaml]\ncommonAnnotations:\n  note: &p '[{"op": "replace", "path": "/spec/replicas", "value": 2}]'\npatches:\n  - target: {kind: Deployment}\n    patch: *p\n`,
        0,
        false,
      ],
    ];
    for (const [what, file, content, line, refused] of cases) {
      it(`${refused ? 'refuses' : 'passes'} ${what}`, async () => {
        const { repo, tag } = await repoWith({ 'k8s/deploy.yaml': deployment(`${REPO}:${STALE_TAG}`) });
        repo.write({ 'k8s/deploy.yaml': deployment(`${REPO}:${tag}`), [file]: content });
        repo.commit('a setting by alias');
        if (file === 'k8s/kustomization.yaml') {
          // The container's image comes last (an annotation can hold an `image:` line too).
          expect(rendered(repo.dir, 'k8s').at(-1)).toBe(`${REPO}:${refused ? STALE_TAG : tag}`);
        }
        for (const command of [['check'], ['fix']]) {
          const run = await nixtag(repo.dir, command);
          expect(run.code, `${command.join(' ')}: ${run.stdout}${run.stderr}`).toBe(refused ? 2 : 0);
          if (refused) expect(run.stderr).toContain(`nixtag: error [KUSTOMIZE_PATCH]: ${file}:${line}:`);
        }
      });
    }
  });
});
