import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { check } from '../../src/index.js';
import { deployment } from './expressions.js';
import { n2k8sTag, type TestRepo } from './repo.js';
import { fileTarball } from './tarball.js';
import { freshClone } from './trees.js';

/**
 * What the tests of tags that depend on where the checkout lies share (checkout-path-tags,
 * location-probe): an image derivation with given attributes, nixpkgs' lib pinned as a repository
 * reads it, and the check that a tag with no location in it is CI's in any directory and judged.
 */

export const LOCATED_REPO = 'registry.example/app';
export const locatedConfig = `images:\n  - name: app\n    repository: ${LOCATED_REPO}\n    manifests: [k8s/app.yaml]\n`;
const LIB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/nixpkgs-lib');

export const imageWith = (attributes: string, before = '') => `${before}derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
  ${attributes}
}
`;

/** nixpkgs' lib from a `file://` tarball of the fixture: the `let … in` that binds `lib`, and the files and configuration it needs. */
export function pinnedLib(): { prelude: string; files: Record<string, string> } {
  const lib = fileTarball('nixpkgs-lib', {}, LIB);
  return {
    prelude: `let
  pin = builtins.fromJSON (builtins.readFile ./lib-pin.json);
  lib = import "\${builtins.fetchTarball { inherit (pin) url sha256; }}/lib";
in `,
    files: {
      'lib-pin.json': JSON.stringify({ url: lib.url, sha256: lib.sha256 }),
      '.nixtagrc.yaml': `${locatedConfig}evaluation:\n  allowedUris: ["${lib.url}"]\n`,
    },
  };
}

/** CI's command gives one tag in two fresh clones; committed, check calls it up to date, `runs` times. */
export async function expectJudgedAsCi(repo: TestRepo, runs = 1): Promise<void> {
  const one = n2k8sTag(freshClone(repo.dir));
  expect(one).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
  expect(n2k8sTag(freshClone(repo.dir))).toBe(one);
  repo.write({ 'k8s/app.yaml': deployment(`${LOCATED_REPO}:${one}`) });
  repo.commit('the tag CI computes');
  for (let run = 1; run <= runs; run++) {
    const result = await check({ cwd: repo.dir });
    expect([run, result]).toMatchObject([run, { ok: true }]);
    expect(result.commitDependent).toBeUndefined();
    expect(result.references).toEqual([expect.objectContaining({ status: 'ok' })]);
  }
}
