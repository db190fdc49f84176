import { describe, expect, it } from 'vitest';
import { check, type NixtagError } from '../../src/index.js';
import { deployment } from '../helpers/expressions.js';
import { nixVariants, withNix } from '../helpers/nix.js';
import { gitRepo, n2k8sTag } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

/**
 * nix-instantiate counts the derivations it reaches by value, not by path: one derivation made by
 * two calls is printed twice (n2k8s's tag is two lines), one value reached twice once
 * (adversarial round 11, F11). nixtag asks nix-instantiate itself where a path is reached twice.
 */

const REPO = 'registry.example/app';
const TAG = '813cn6jhk8pi0llfn47v138flja3lv0k';
const config = `images:\n  - name: app\n    repository: ${REPO}\n    manifests: [k8s/app.yaml]\n`;
const mk = `let mk = x: derivation { name = "docker-image-app.tar.gz"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo image > $out" ]; }; in\n`;

describe.each(nixVariants())('one derivation reached twice ($name)', ({ env }) => {
  it('as two values: several derivations, as n2k8s prints two lines; as one value: that one', async () => {
    for (const [value, lines] of [
      ['{ image = mk 1; latest = mk 2; }', 2],
      ['[ (mk 1) (mk 2) ]', 2],
      ['rec { image = mk 1; latest = image; }', 1],
      ['let i = mk 1; in [ i i ]', 1],
    ] as const) {
      const repo = gitRepo({
        'default.nix': `${mk}${value}\n`,
        '.nixtagrc.yaml': config,
        'k8s/app.yaml': deployment(`${REPO}:${TAG}`),
      });
      const ci = n2k8sTag(freshClone(repo.dir), env);
      expect([value, ci.split('\n')]).toEqual([value, Array<string>(lines).fill(TAG)]);
      const answer = await withNix(env, () => check({ cwd: repo.dir })).catch((error: unknown) => error as NixtagError);
      if (lines === 1) expect([value, answer]).toMatchObject([value, { ok: true }]);
      else expect([value, answer]).toMatchObject([value, { code: 'NIX_NOT_A_DERIVATION' }]);
    }
  });
});
