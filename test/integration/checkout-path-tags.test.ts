import { describe, expect, it } from 'vitest';
import { check, doctor, hash } from '../../src/index.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { gitRepo, n2k8sTag } from '../helpers/repo.js';
import {
  expectJudgedAsCi,
  imageWith as image,
  locatedConfig as config,
  LOCATED_REPO as REPO,
  pinnedLib,
} from '../helpers/locatedImages.js';
import { freshClone } from '../helpers/trees.js';

/**
 * A derivation that holds the checkout's absolute path (`toString ./app`, adv13 F21): its tag
 * differs in every directory a clone lies in, so the tag nixtag's checkout gets is not CI's. check
 * never calls it up to date (this file runs on Nix 2.8 and 2.26); the idioms that only read a path,
 * or copy it to the store, stay judged.
 */

describe("a tag that depends on the checkout's absolute path", () => {
  it('toString ./app in the derivation: left unjudged, never up to date, and doctor says why', async () => {
    const repo = gitRepo({
      'default.nix': image('src = builtins.path { path = ./app; name = "source"; };\n  configDir = toString ./app;'),
      'app/main.txt': 'hi\n',
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    // The oracle: CI's own command in two fresh clones in two directories gives two tags.
    const one = n2k8sTag(freshClone(repo.dir));
    expect(one).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(n2k8sTag(freshClone(repo.dir))).not.toBe(one);
    // The tag nixtag's checkout gets, committed: the stale pass was calling it up to date.
    const [own] = (await hash({ cwd: repo.dir, cache: false })).images;
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${own!.hash}`) });
    repo.commit("nixtag's own tag");
    for (const run of [1, 2]) {
      const result = await check({ cwd: repo.dir });
      expect([run, result]).toMatchObject([run, { commitDependent: ['app'] }]);
      expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
      expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
        /holds the checkout's absolute path \(default\.nix:5: `toString`/,
      );
    }
    const found = await doctor({ cwd: repo.dir });
    expect(found.findings.map((finding) => [finding.code, finding.file, finding.line])).toEqual([
      ['checkoutPath', 'default.nix', 5],
    ]);
  });

  it('reading a path, copying it to the store, or nixpkgs lib: judged, the tag CI computes in any directory', async () => {
    const lib = pinnedLib();
    const repo = gitRepo({
      'default.nix': image(
        [
          'imported = import (toString ./value.nix);',
          'read = builtins.readFile (toString ./app/main.txt);',
          'copied = "${./app}";',
          'named = baseNameOf ./app;',
          'joined = ./. + "/app";',
          'exists = builtins.pathExists (builtins.toString ./app);',
          'clean = lib.cleanSource ./app;',
          'filtered = lib.cleanSourceWith { src = ./app; filter = p: t: lib.hasSuffix ".txt" (toString p); };',
        ].join('\n  '),
        lib.prelude,
      ),
      'value.nix': '"v"\n',
      'app/main.txt': 'hi\n',
      ...lib.files,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    await expectJudgedAsCi(repo);
  });
});
