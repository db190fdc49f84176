import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hash } from '../../src/index.js';
import type { TreeSource } from '../../src/tree/source.js';
import { gitRepo, n2k8sTag, type TestRepo } from '../helpers/repo.js';
import { freshClone, tektonClone } from '../helpers/trees.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { treeRecords } from '../../src/tree/records.js';
import { nixtag } from '../helpers/inProcess.js';

/** An image whose source is `builtins.fetchGit ./.`: the tracked files of the commit CI checks out. */
const fetchGitImage = (name = '"app"') => `let src = builtins.fetchGit ./.; in derivation {
  name = ${name}; system = builtins.currentSystem; builder = "/bin/sh"; inherit src;
  args = [ "-c" "echo > $out" ];
}
`;

async function nixtagTag(repo: TestRepo, source: TreeSource): Promise<string> {
  const result = await hash({ cwd: repo.dir, source, cache: false });
  return result.images[0]!.hash;
}

/** What n2k8s computes in a fresh clone of the repository's HEAD. */
const ciTag = (repo: TestRepo) => n2k8sTag(freshClone(repo.dir));

describe('builtins.fetchGit ./. gives the tag CI computes', () => {
  it('for the working tree: its tracked files, as the commit of them will hold', async () => {
    const repo = gitRepo({ 'default.nix': fetchGitImage(), 'main.go': 'package main\n' });
    repo.write({ 'main.go': 'package main // edited\n', 'untracked.txt': 'never committed\n' });
    const tag = await nixtagTag(repo, { kind: 'worktree' });
    repo.git('commit', '--quiet', '--all', '-m', 'edit');
    expect(tag).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(tag).toBe(ciTag(repo));
  });

  it('for the index: what is staged, not what is not', async () => {
    const repo = gitRepo({ 'default.nix': fetchGitImage(), 'main.go': 'package main\n', 'other.go': 'x\n' });
    repo.write({ 'main.go': 'package main // staged\n' });
    repo.git('add', 'main.go');
    repo.write({ 'other.go': 'unstaged\n' });
    const tag = await nixtagTag(repo, { kind: 'index' });
    const before = ciTag(repo);
    repo.git('commit', '--quiet', '-m', 'staged');
    expect(tag).toBe(ciTag(repo));
    expect(tag).not.toBe(before);
    // An incremental update of the checkout keeps it clean: the next change is seen as well.
    repo.write({ 'main.go': 'package main // again\n' });
    repo.git('add', 'main.go');
    const next = await nixtagTag(repo, { kind: 'index' });
    repo.git('commit', '--quiet', '-m', 'again');
    expect(next).toBe(ciTag(repo));
  });

  it('for a commit, also when the expression reads its shortRev (as pre-push judges it)', async () => {
    const repo = gitRepo({ 'default.nix': fetchGitImage('"app-${src.shortRev}"'), 'main.go': 'package main\n' });
    const first = await nixtagTag(repo, { kind: 'rev', rev: 'HEAD' });
    expect(first).toBe(ciTag(repo));
    repo.write({ 'main.go': 'package main // second\n' });
    repo.commit('second');
    const second = await nixtagTag(repo, { kind: 'rev', rev: 'HEAD' });
    expect(second).toBe(ciTag(repo));
    expect(second).not.toBe(first);
  });

  it('under a repository path that is not a valid URL (a space, a #), where Nix 2.8 takes the path as one', async () => {
    const repo = gitRepo({ 'default.nix': fetchGitImage(), 'main.go': 'package main\n' }, 'my app #1');
    repo.write({ 'main.go': 'package main // staged\n' });
    repo.git('add', 'main.go');
    const staged = await nixtagTag(repo, { kind: 'index' });
    const worktree = await nixtagTag(repo, { kind: 'worktree' });
    repo.git('commit', '--quiet', '-m', 'staged');
    expect(staged).toBe(ciTag(repo));
    expect(worktree).toBe(staged);
    // Nix's messages name the user's files, never where the checkout lives.
    repo.write({ 'default.nix': 'let src = builtins.fetchGit ./.; in undefinedName\n' });
    const failed = await nixtag(repo.dir, ['hash']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('at default.nix:1:');
    expect(failed.stderr).not.toContain('nixtag-checkouts');
  });
});

/**
 * The repository fetching itself by branch: what CI gets depends on how it clones. A clone of the
 * branch resolves it (to the branch's tip), Tekton's git-clone (a detached checkout of the commit)
 * has no branch and fails: no tag computed here is CI's, so the image is left unjudged, on every
 * spelling, and nixtag never fails where a clone of the branch evaluates.
 */
describe('builtins.fetchGit of the repository by ref', () => {
  const byRef = (fetch: string) => `let src = ${fetch}; in derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; inherit src;
  args = [ "-c" "echo > $out" ];
}
`;
  const config = 'images:\n  - name: app\n    nix: default.nix\n    repository: registry.example/app\n';

  it.each([
    ['a literal ref', 'builtins.fetchGit { url = ./.; ref = "main"; }', 'default.nix:1 uses builtins.fetchGit'],
    ['a ref bound by let', 'let b = "main"; in builtins.fetchGit { url = ./.; ref = b; }', 'default.nix:1 uses'],
    ['a ref merged in', 'builtins.fetchGit ({ url = ./.; } // { ref = "main"; })', 'its evaluation fails without one'],
    // A tag: a fresh clone has it, Tekton's detached checkout does not (exit 3 before).
    ['a tag', 'builtins.fetchGit { url = ./.; ref = "refs/tags/v1"; }', 'default.nix:1 uses builtins.fetchGit'],
    ['an annotated tag', 'builtins.fetchGit { url = ./.; ref = "refs/tags/v2"; }', 'default.nix:1 uses'],
  ])('%s: CI’s answer depends on its clone, the image is left unjudged', async (_, fetch, said) => {
    const repo = gitRepo({
      'default.nix': byRef(fetch),
      'main.go': 'package main\n',
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    repo.git('tag', 'v1');
    repo.git('tag', '-a', '-m', 'release', 'v2');
    // The oracles: n2k8s's command in a clone of the branch, and in Tekton's detached checkout.
    expect(n2k8sTag(freshClone(repo.dir))).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    expect(n2k8sTag(tektonClone(repo.dir))).toBe('');
    for (const args of [['check', '--staged'], ['check']]) {
      const result = await nixtag(repo.dir, args);
      expect([args, result.code]).toEqual([args, 0]);
      expect(result.stdout).toContain('not judged');
      expect(result.stderr).toContain('depends on which branches or tags CI');
      expect(result.stderr).toContain(said);
    }
    // The checkout is left as CI's detached clone is: no branch of its own.
    const checkout = path.join(treeRecords(path.join(repo.dir, '.git')).slot('index'), 'source');
    expect(existsSync(path.join(checkout, '.git', 'packed-refs'))).toBe(false);
  });

  it.each([
    ['branch', 'no-such-branch'],
    ['tag', 'refs/tags/v9'],
  ])('a %s the repository does not have either is the expression’s error (exit 2), not a tool’s', async (_, ref) => {
    const repo = gitRepo({
      'default.nix': byRef(`builtins.fetchGit { url = ./.; ref = "${ref}"; }`),
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    repo.git('tag', 'v1');
    expect(n2k8sTag(freshClone(repo.dir))).toBe('');
    for (const args of [
      ['check', '--staged'],
      ['check', '--rev', 'HEAD'],
    ]) {
      const result = await nixtag(repo.dir, args);
      expect([args, result.code]).toEqual([args, 2]);
      expect(result.stderr).toContain(`error [GIT_REF_MISSING]: Nix could not evaluate image 'app'`);
      expect(result.stderr).toContain(`it fetches the repository at ref '${ref}'`);
      expect(result.stderr).toContain('hint: Fetch the commit being built: `builtins.fetchGit ./.` with no `ref`');
    }
  });
});
