import { describe, expect, it } from 'vitest';
import { hash } from '../../src/index.js';
import type { TreeSource } from '../../src/tree/source.js';
import { gitRepo, n2k8sTag, type TestRepo } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';
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
