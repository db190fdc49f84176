import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { STALE } from '../helpers/expressions.js';
import { hookRepo, installHooks, manifest, type HookRepo } from '../helpers/hooks.js';
import { gitRepo, n2k8sTag, tempDir, testEnv, writeFiles } from '../helpers/repo.js';
import { cleanGitEnv, freshClone, tektonClone } from '../helpers/trees.js';

/** An image that lists what `lib/` holds: content there, or an empty directory, are two tags. */
const listsLib = `{ system ? builtins.currentSystem }:
derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
  builder = "/bin/sh";
  args = [ "-c" "echo \${toString (builtins.attrNames (builtins.readDir ./lib))} > $out" ];
}
`;

/**
 * The judge: CI's `git clone --recurse-submodules` of HEAD into `source`, and nix-instantiate there.
 * Returns the clone and the tag.
 */
function ciTag(repo: HookRepo): { clone: string; tag: string } {
  const clone = freshClone(repo.dir);
  return { clone, tag: n2k8sTag(clone) };
}

/**
 * Commits the manifest at `tag` through the installed hooks (pre-commit), and pushes (pre-push)
 * when it was accepted; returns both outcomes.
 */
function commitAndPush(repo: HookRepo, tag: string, message: string) {
  repo.write({ 'k8s/deployment.yaml': manifest(tag) });
  repo.git('add', 'k8s/deployment.yaml');
  const commit = repo.run(['commit', '-m', message]);
  const push = commit.code === 0 ? repo.run(['push', '--quiet', 'origin', 'main']) : undefined;
  return { commit, push };
}

/**
 * What the hooks and CI mode say of `repo`, whose `lib` CI's clone leaves empty: the tag of this
 * clone's content there is refused, the clone's tag accepted at commit, at push and in CI mode.
 */
function expectJudgedAsTheClone(repo: HookRepo) {
  repo.git('commit', '--quiet', '-m', 'lib');
  const local = n2k8sTag(repo.dir); // what this clone's lib/ holds
  expect(installHooks(repo, ['--git', '--pre-push']).code).toBe(0);
  const wrong = commitAndPush(repo, local, 'the local content');
  expect(wrong.commit.code).not.toBe(0);
  expect(wrong.commit.stdout + wrong.commit.stderr).toContain('stale reference');
  repo.git('reset', '--quiet', 'HEAD', '--', 'k8s/deployment.yaml');
  const { tag } = ciTag(repo);
  expect(tag).toMatch(/^[0-9a-z]{32}$/);
  expect(tag).not.toBe(local);
  const right = commitAndPush(repo, tag, "the clone's tag");
  expect(right.commit.code, right.commit.stderr).toBe(0);
  expect(right.push?.code, right.push?.stderr).toBe(0);
  // CI mode in CI's clone of what was pushed: the same answer.
  const { clone, tag: again } = ciTag(repo);
  expect(again).toBe(tag);
  const ci = nixtagCli(clone, ['check'], { CI: 'true' });
  expect(ci.code, ci.stderr).toBe(0);
}

describe("a submodule CI's recursive clone leaves empty, through the hooks and in CI mode", () => {
  it("an embedded repository `git add` took in (a gitlink with no .gitmodules entry): refused, as CI's clone step stops on it", () => {
    const repo = hookRepo({ 'default.nix': listsLib, 'k8s/deployment.yaml': manifest(STALE) }, { commit: false });
    const lib = gitRepo({ 'f.txt': 'x\n' }, 'lib', repo.dir);
    expect(lib.dir).toBe(path.join(repo.dir, 'lib'));
    repo.git('-c', 'advice.addEmbeddedRepo=false', 'add', '--all');
    expect(repo.git('ls-files', '--stage', 'lib')).toMatch(/^160000 /);
    repo.git('commit', '--quiet', '-m', 'lib');
    // The oracle: Tekton's git-clone (git submodule init, update --recursive) exits 128 on it.
    expect(() => tektonClone(repo.dir)).toThrow();
    expect(installHooks(repo, ['--git', '--pre-push']).code).toBe(0);
    repo.write({ 'k8s/deployment.yaml': manifest(n2k8sTag(freshClone(repo.dir))) });
    repo.git('add', 'k8s/deployment.yaml');
    const commit = repo.run(['commit', '-m', 'a tag']);
    expect(commit.code).not.toBe(0);
    expect(commit.stdout + commit.stderr).toContain('[SUBMODULE_UNCLONABLE]: Gitlink lib has no entry in .gitmodules');
    // CI mode in a bare recursive clone (which exits 0, leaving lib empty): refused the same.
    const ci = nixtagCli(freshClone(repo.dir), ['check'], { CI: 'true' });
    expect(ci.code, ci.stderr).toBe(2);
    expect(ci.stderr).toContain('[SUBMODULE_UNCLONABLE]');
  });

  it('a submodule whose .gitmodules says update = none: judged empty', () => {
    const repo = hookRepo({ 'default.nix': listsLib, 'k8s/deployment.yaml': manifest(STALE) }, { commit: false });
    const lib = gitRepo({ 'f.txt': 'x\n' }, 'lib-origin');
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'lib');
    repo.git('config', '-f', '.gitmodules', 'submodule.lib.update', 'none');
    repo.git('add', '--all');
    expectJudgedAsTheClone(repo);
  });

  it('a plain submodule is still judged with its content, as the clone checks it out', () => {
    const repo = hookRepo({ 'default.nix': listsLib, 'k8s/deployment.yaml': manifest(STALE) }, { commit: false });
    const lib = gitRepo({ 'f.txt': 'x\n' }, 'lib-origin');
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'lib');
    repo.git('add', '--all');
    repo.git('commit', '--quiet', '-m', 'lib');
    const { tag } = ciTag(repo);
    expect(n2k8sTag(repo.dir)).toBe(tag); // the clone holds lib's content, as this one does
    writeFileSync(path.join(repo.dir, 'k8s/deployment.yaml'), manifest(tag));
    repo.git('commit', '--quiet', '-am', 'tag');
    expect(nixtagCli(repo.dir, ['check']).code).toBe(0);
    expect(installHooks(repo, ['--git', '--pre-push']).code).toBe(0);
    expect(repo.run(['push', '--quiet', 'origin', 'main']).code).toBe(0);
    expect(nixtagCli(freshClone(repo.dir), ['check'], { CI: 'true' }).code).toBe(0);
  });

  it('warns at pre-push of a submodule commit no remote-tracking branch of its clone holds (never pushed?)', () => {
    const origin = path.join(tempDir('lib-'), 'lib.git');
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch', 'main', origin], { env: testEnv() });
    const work = gitRepo({ 'f.txt': 'x\n' }, 'lib-work');
    work.git('push', '--quiet', origin, 'HEAD:main');
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', origin, 'lib');
    repo.commit('lib');
    repo.write({ 'k8s/deployment.yaml': manifest(repo.tag()) });
    repo.commit('tag');
    expect(installHooks(repo, ['--git', '--pre-push']).code).toBe(0);
    const pushed = repo.run(['push', '--quiet', 'origin', 'main']);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).not.toContain('remote-tracking');
    writeFiles(path.join(repo.dir, 'lib'), { 'f.txt': 'local only\n' });
    repo.git('-C', 'lib', 'commit', '--quiet', '-am', 'never pushed');
    repo.git('add', 'lib');
    expect(repo.run(['commit', '--quiet', '-m', 'bump lib']).code).toBe(0);
    const push = repo.run(['push', '--quiet', 'origin', 'main']);
    expect(push.code).toBe(0); // a warning: the hook cannot ask the submodule's remote
    expect(push.stderr).toMatch(/Submodule lib is recorded at commit [0-9a-f]{40}, which no remote-tracking branch/);
    // CI's clone of what was pushed cannot fetch it ("not our ref").
    const remote = repo.git('remote', 'get-url', 'origin').trim();
    const target = path.join(tempDir('clone-'), 'source');
    const clone = spawnSync('git', ['clone', '--quiet', '--recurse-submodules', '--branch', 'main', remote, target], {
      env: cleanGitEnv(),
      encoding: 'utf8',
    });
    expect(clone.status).not.toBe(0);
    expect(clone.stderr).toContain('not our ref');
  });
});
