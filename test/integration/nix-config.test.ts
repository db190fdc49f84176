import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployment } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo, n2k8sTag, tempDir } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

/**
 * The machine's Nix configuration (/etc/nix/nix.conf, or NIX_CONF_DIR, which nixtag passes on to
 * find the installation) must not reach an evaluation (adversarial round 14, F3): CI's machine has
 * its own. Each case's setting changes what a plain nix-instantiate answers on this machine; the
 * oracle is n2k8s's command in a fresh clone without it. This file runs on Nix 2.8 and 2.26.
 */

const REPO = 'registry.example/app';
const config = `images:\n  - name: app\n    repository: ${REPO}\n    manifests: [k8s/app.yaml]\n`;

const drv = (name: string, prelude = '') => `${prelude}derivation {
  name = ${name}; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
}
`;

/** A Nix configuration directory holding `settings` (and no build users, as the machine has none). */
function nixConf(settings: string): string {
  const dir = path.join(tempDir('nixconf-'), 'nix');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'nix.conf'), `build-users-group =\n${settings}\n`);
  return dir;
}

function channel(): string {
  const dir = tempDir('channel-');
  writeFileSync(path.join(dir, 'default.nix'), '{ ... }: { marker = "machine-channel"; }\n');
  return dir;
}

const CASES: Array<{ title: string; settings: () => string; expression: string }> = [
  {
    title: 'eval-system (what builtins.currentSystem answers on Nix >= 2.17)',
    settings: () => 'eval-system = aarch64-linux',
    expression: drv('"app-${builtins.currentSystem}"'),
  },
  {
    title: 'nix-path: <nixpkgs> from the machine channel, no pin',
    settings: () => `nix-path = nixpkgs=${channel()}`,
    expression: drv('"app-${(import <nixpkgs> {}).marker}"'),
  },
  {
    title: 'extra-nix-path',
    settings: () => `extra-nix-path = nixpkgs=${channel()}`,
    expression: drv('"app-${(import <nixpkgs> {}).marker}"'),
  },
  {
    title: 'allow-unsafe-native-code-during-evaluation (builtins.exec)',
    settings: () => 'allow-unsafe-native-code-during-evaluation = true',
    expression: drv('if builtins ? exec then "app-exec" else "app"'),
  },
];

describe('the machine Nix configuration does not reach the evaluation', () => {
  let differing = 0;
  for (const { title, settings, expression } of CASES) {
    it(title, async () => {
      const conf = nixConf(settings());
      const repo = gitRepo({
        'default.nix': expression,
        '.nixtagrc.yaml': config,
        'k8s/app.yaml': deployment(`${REPO}:x`),
      });
      const oracle = n2k8sTag(freshClone(repo.dir));
      const machine = n2k8sTag(freshClone(repo.dir), { NIX_CONF_DIR: conf });
      expect(machine).toMatch(/^[0-9a-z]{32}$/);
      if (machine !== oracle) differing++;
      // A manifest holding the tag this machine's configuration gives: CI rejects it.
      repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${machine}`) });
      repo.commit('the machine tag');
      const withMachineTag = await nixtag(repo.dir, ['check', '--no-cache'], { NIX_CONF_DIR: conf });
      expect([machine === oracle, withMachineTag.code === 0]).toEqual([machine === oracle, machine === oracle]);
      if (oracle === '') return;
      // CI's own tag is up to date, with the configuration in place.
      repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${oracle}`) });
      repo.commit("CI's tag");
      const withOracle = await nixtag(repo.dir, ['check', '--no-cache'], { NIX_CONF_DIR: conf });
      expect(withOracle).toMatchObject({ code: 0 });
      expect(withOracle.stdout).toContain('up to date');
    });
  }
  it('the cases above test something on this Nix (at least three settings change its answer)', () => {
    expect(differing).toBeGreaterThanOrEqual(3);
  });
});
