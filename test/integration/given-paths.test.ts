import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { STALE } from '../helpers/expressions.js';
import { appImage, manifest } from '../helpers/hooks.js';
import { gitRepo, n2k8sTag, tempDir } from '../helpers/repo.js';

const CONFIG = 'images:\n  - name: app\n    nix: default.nix\n    repository: registry.example/app\n';

/** A repository whose committed tag is current, judged once, then an input change staged; and a link to it. */
function repoThroughLink() {
  const repo = gitRepo({
    'default.nix': appImage,
    'app/main.go': 'package main\n',
    '.nixtagrc.yaml': CONFIG,
    'k8s/deployment.yaml': manifest(STALE),
  });
  expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
  repo.commit('current tag');
  expect(nixtagCli(repo.dir, ['check']).code).toBe(0); // the judgement PATH questions are answered from
  repo.write({ 'app/main.go': 'package main // changed\n' });
  repo.git('add', 'app/main.go');
  const link = path.join(tempDir('link-'), 'repo');
  symlinkSync(repo.dir, link);
  return { repo, link };
}

describe('PATH arguments spelt through a symlink to the repository, or outside it', () => {
  it('a path through a link to the repository is its file: the staged input change is stale, as CI tags it', () => {
    const { repo, link } = repoThroughLink();
    // Oracle: n2k8s's command on the tree the index holds (the working tree is the same here).
    const ci = n2k8sTag(repo.dir);
    expect(repo.read('k8s/deployment.yaml')).not.toContain(ci);
    for (const given of [
      path.join(link, 'app/main.go'),
      path.join(link, 'app'),
      `${path.join(link, 'app')}/`,
      path.join(repo.dir, 'app/main.go'),
      'app/main.go',
    ]) {
      for (const args of [
        ['check', '--staged', given],
        ['check', given],
      ]) {
        // The shell's working directory is the link, as in `cd /home/me/repo` with /home a link.
        const result = nixtagCli(link, args);
        expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(1);
        expect(result.stdout).toContain(`registry.example/app:${ci}`);
      }
    }
  });

  it('refuses a path that is there but outside the repository (PATH_OUTSIDE_REPOSITORY), idle or not', () => {
    const { link } = repoThroughLink();
    const outside = path.join(tempDir('outside-'), 'notes.txt');
    writeFileSync(outside, 'x\n');
    for (const args of [
      ['check', '--staged', outside],
      ['check', outside],
      ['check', '--staged', 'app/main.go', outside],
    ]) {
      const result = nixtagCli(link, args);
      expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(2);
      expect(result.stderr).toContain('[PATH_OUTSIDE_REPOSITORY]');
      expect(result.stderr).toContain(`${outside} is outside the repository`);
    }
  });
});
