import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isDefaultManifest } from '../../src/engine/manifestSet.js';
import { scanManifest } from '../../src/manifest/scan.js';
import { checkText, fixText, readText } from '../helpers/manifests.js';

// GoogleCloudPlatform/microservices-demo, copied unchanged (Apache-2.0; see SOURCE.md there).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/realworld/microservices-demo');
const FRONTEND = 'us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/frontend';
const TAG = 'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0';
const SUFFIX_COMPONENT = 'kustomize/components/container-images-tag-suffix/kustomization.yaml';
const scanAndCompare = (file: string, text: string) =>
  checkText(file, text, [{ name: 'frontend', repository: FRONTEND }], TAG);

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const relative = prefix ? `${prefix}/${name}` : name;
    return statSync(path.join(dir, name)).isDirectory() ? files(path.join(dir, name), relative) : [relative];
  });
}

describe('real-world manifests (microservices-demo)', () => {
  const all = files(root);
  const manifests = all.filter((file) => isDefaultManifest(file, new Set(all)));

  it('leaves Helm templates out of the default set and parses everything else', () => {
    expect(manifests.some((file) => file.startsWith('helm-chart/templates/'))).toBe(false);
    expect(manifests).toContain('helm-chart/values.yaml');
    for (const file of manifests)
      expect(scanManifest(file, readText(path.join(root, file)), false)).toHaveProperty('scanned');
  });

  it('rewrites exactly the frontend tags, in plain manifests, the release bundle and a kustomize component', () => {
    const changed: string[] = [];
    for (const file of manifests) {
      const input = readText(path.join(root, file));
      const { text } = fixText(file, input, [{ name: 'frontend', repository: FRONTEND }], TAG);
      if (text === input) continue;
      changed.push(file);
      // Independent of nixtag's code: the expected bytes by plain substitution.
      const expected = input
        .replace(`${FRONTEND}:v0.10.6`, `${FRONTEND}:${TAG}`)
        .replace(`name: ${FRONTEND}\n  newTag: CONTAINER_IMAGES_TAG`, `name: ${FRONTEND}\n  newTag: ${TAG}`);
      expect(text).toBe(expected);
    }
    expect(changed.sort()).toEqual([
      'kustomize/base/frontend.yaml',
      'kustomize/components/container-images-tag/kustomization.yaml',
      'release/kubernetes-manifests.yaml',
    ]);
  });

  it('reads the tagSuffix and registry components as kustomize does: they set no tag, so fix leaves them and goes on', () => {
    // kustomize applies `tagSuffix` only to an entry without newTag or digest, to the base's tag;
    // `newName` alone renames and keeps that tag. The base's reference is the one judged.
    for (const file of [SUFFIX_COMPONENT, 'kustomize/components/container-images-registry/kustomization.yaml']) {
      const input = readText(path.join(root, file));
      expect(scanAndCompare(file, input).references).toEqual([]);
      const fixed = fixText(file, input, [{ name: 'frontend', repository: FRONTEND }], TAG);
      expect(fixed.text).toBe(input);
    }
    // Beside them, in the same run, the base and the tag component are fixed.
    const base = readText(path.join(root, 'kustomize/base/frontend.yaml'));
    const fixed = fixText('base.yaml', base, [{ name: 'frontend', repository: FRONTEND }], TAG).text;
    expect(fixed).toBe(base.replace(`${FRONTEND}:v0.10.6`, `${FRONTEND}:${TAG}`));
  });

  it('sees the other images as unmanaged references', () => {
    const input = readText(path.join(root, 'release/kubernetes-manifests.yaml'));
    const { references } = fixText('bundle.yaml', input, [{ name: 'frontend', repository: FRONTEND }], TAG);
    expect(
      references.filter((reference) => reference.status === 'unmanaged').map((reference) => reference.current),
    ).toContain('redis:alpine');
    expect(references.filter((reference) => reference.status !== 'unmanaged')).toHaveLength(1);
  });
});
