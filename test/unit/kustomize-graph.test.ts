import { mkdirSync, symlinkSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readText } from '../../src/manifest/kustomize/documents.js';
import { MAX_MANIFEST_BYTES } from '../../src/regularFile.js';
import { kustomizeGraph } from '../../src/manifest/kustomize/graph.js';
import { tempDir, writeFiles, type Files } from '../helpers/repo.js';

/** The graph of `files`, all tracked. */
function graphOf(files: Files) {
  const root = tempDir();
  writeFiles(root, files);
  return kustomizeGraph(root, Object.keys(files).sort());
}

const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ${image}\n`;

describe('the kustomize graph', () => {
  it('takes every file a kustomization names as a resource, whatever its name, and what each pulls in', () => {
    const graph = graphOf({
      'base/kustomization.yaml': 'resources: [deploy.yaml, deploy.json, deploy, ../../outside.yaml, https://x/y]\n',
      'base/deploy.yaml': deployment('a:1'),
      'base/deploy.json': '{}\n',
      'base/deploy': '{}\n',
      'overlay/kustomization.yaml': [
        'resources: [../base]',
        'patches: [{path: p.json}, {patch: "inline"}, {path: copy.yaml}]',
        'patchesStrategicMerge: [smp.txt]',
        'patchesJson6902: [{path: j.yaml}]',
        'transformers: [t.yaml, ../configs]',
        'generators: [g.yaml]',
        'replacements: [{path: r.yaml}]',
        'configMapGenerator: [{name: c, files: [data.txt]}]',
        '',
      ].join('\n'),
      'configs/kustomization.yaml': 'resources: [tag.txt]\n',
      'configs/tag.txt': 'kind: ImageTagTransformer\nimageTag: {name: "app.*", newTag: v1}\n',
      'overlay/t.yaml': 'kind: PatchTransformer\npath: via-transformer.patch\n',
      // Copies into an image: from another field, which nixtag does not judge.
      'overlay/copy.yaml':
        '- op: add\n  path: /a/image\n  value: x\n- op: copy\n  from: /a\n  path: /spec/containers/0\n',
      ...Object.fromEntries(
        ['p.json', 'smp.txt', 'j.yaml', 'via-transformer.patch', 'g.yaml', 'r.yaml'].map((file) => [
          `overlay/${file}`,
          '{}\n',
        ]),
      ),
    });
    expect([...graph.resources].sort()).toEqual(['base/deploy', 'base/deploy.json', 'base/deploy.yaml']);
    expect(Object.fromEntries([...graph.pulledIn].map(([file, { key }]) => [file, key]))).toEqual({
      'overlay/p.json': 'patches',
      'overlay/smp.txt': 'patchesStrategicMerge',
      'overlay/j.yaml': 'patchesJson6902',
      'overlay/copy.yaml': 'patches',
      'overlay/t.yaml': 'transformers',
      'overlay/via-transformer.patch': 'transformers',
      'configs/tag.txt': 'transformers',
      'overlay/g.yaml': 'generators',
      'overlay/r.yaml': 'replacements',
    });
    // Named, also when not there yet (a later commit adds them), the generators' files: they matter too.
    expect(graph.named.has('overlay/smp.txt')).toBe(true);
    expect(graph.named.has('overlay/data.txt')).toBe(true);
    expect(graph.named.has('outside.yaml')).toBe(false);
    expect(graph.imageCopies).toEqual([{ file: 'overlay/copy.yaml', line: 4 }]);
    expect(graph.imageTransformers).toEqual([{ file: 'configs/tag.txt', line: 2, name: 'app.*', newName: undefined }]);
    expect([...graph.reach('overlay/kustomization.yaml')!].sort()).toEqual([
      'base/deploy',
      'base/deploy.json',
      'base/deploy.yaml',
      'base/kustomization.yaml',
      'overlay/kustomization.yaml',
    ]);
  });

  it('says what each replacement writes, and what it reads when that is known', () => {
    const graph = graphOf({
      'k/kustomization.yaml': [
        'resources: [deploy.yaml, cm.yaml]',
        'configMapGenerator: [{name: gen, literals: ["tag=v2"]}]',
        'replacements:',
        '  - source: {kind: ConfigMap, name: gen, fieldPath: data.tag}',
        '    targets:',
        '      - select: {kind: Deployment}',
        '        fieldPaths: ["spec.template.spec.containers.[name=app].image", spec.template.metadata]',
        '      - select: {kind: Service}',
        '        fieldPaths: [spec.template.spec.containers.0.image]',
        '  - source: {kind: ConfigMap, name: cm, fieldPath: data.image}',
        '    targets:',
        '      - select: {kind: Deployment, name: prefix-app}',
        '        fieldPaths: [spec.template.spec.initContainers.0.image]',
        '        options: {create: true}',
        '',
      ].join('\n'),
      'k/deploy.yaml': deployment('a:1'),
      'k/cm.yaml': 'kind: ConfigMap\nmetadata: {name: cm}\ndata: {image: "b:2"}\n',
    });
    expect(graph.replacementWrites()).toEqual([
      {
        by: 'replacement',
        at: { file: 'k/kustomization.yaml', line: 7 },
        target: { file: 'k/deploy.yaml', from: 9, to: 9, imageField: true, start: 142, end: 145 },
        source: ['v2'],
      },
      // spec.template.metadata is not there (and not created), no Service is: neither is written.
      { by: 'replacement', at: { file: 'k/kustomization.yaml', line: 13 }, target: undefined, source: ['b:2'] },
    ]);
  });

  it('notes the submodules a kustomization names a path in, and reads only the kustomizations named there', () => {
    const root = tempDir();
    const files: Files = {
      'overlays/prod/kustomization.yaml': 'resources: [../../vendor/overlay, ../../k8s]\n',
      'k8s/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'k8s/deploy.yaml': deployment('a:1'),
      'vendor/overlay/kustomization.yaml': 'resources: [../base]\npatches: [{path: p.yaml}]\n',
      'vendor/overlay/p.yaml': '{}\n',
      'vendor/base/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'vendor/base/deploy.yaml': deployment('a:1'),
      // Not named from the repository: not deployed, not read.
      'vendor/examples/kustomization.yaml': 'resources: [deploy.yaml]\npatches: [{path: q.yaml}]\n',
      'vendor/examples/deploy.yaml': deployment('a:1'),
      'vendor/examples/q.yaml': '{}\n',
    };
    writeFiles(root, files);
    const outside = Object.keys(files).filter((file) => !file.startsWith('vendor/'));
    // Without the submodule's files (its gitlink alone is tracked): the submodule is noted.
    const first = kustomizeGraph(root, outside.sort(), ['vendor']);
    expect([...first.submodules]).toEqual([['vendor', 'overlays/prod/kustomization.yaml']]);
    // With them: what kustomize reads there, and nothing of the kustomizations it does not.
    const graph = kustomizeGraph(root, Object.keys(files).sort(), ['vendor']);
    expect(graph.inSubmodules()).toEqual({
      manifests: ['vendor/base/deploy.yaml', 'vendor/base/kustomization.yaml', 'vendor/overlay/kustomization.yaml'],
      read: [
        'vendor/base/deploy.yaml',
        'vendor/base/kustomization.yaml',
        'vendor/overlay/kustomization.yaml',
        'vendor/overlay/p.yaml',
      ],
    });
    expect(graph.pulledIn.has('vendor/examples/q.yaml')).toBe(false);
    expect(kustomizeGraph(root, outside.sort()).submodules.size).toBe(0);
  });
});

describe("what the kustomize graph reads of a kustomization's files", () => {
  it('is never what is not a regular file or is larger than a manifest may be: as if not there', () => {
    const root = tempDir('kustomize-read-');
    writeFiles(root, { 'k8s/patch.yaml': 'kind: Deployment\n', 'k8s/huge.yaml': '' });
    truncateSync(path.join(root, 'k8s/huge.yaml'), MAX_MANIFEST_BYTES + 1); // sparse: no disk written
    symlinkSync('/dev/zero', path.join(root, 'k8s/zero.yaml'));
    mkdirSync(path.join(root, 'k8s/dir.yaml'));
    expect(readText(root, 'k8s/patch.yaml')).toBe('kind: Deployment\n');
    expect(readText(root, 'k8s/huge.yaml')).toBeUndefined();
    expect(readText(root, 'k8s/zero.yaml')).toBeUndefined();
    expect(readText(root, 'k8s/dir.yaml')).toBeUndefined();
    expect(readText(root, 'k8s/missing.yaml')).toBeUndefined();
  });
});
