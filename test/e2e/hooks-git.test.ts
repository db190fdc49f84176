import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { STALE } from '../helpers/expressions.js';
import {
  expectStalePushRefused,
  hookRepo,
  installHooks,
  manifest,
  staleMerge,
  type HookRepo,
} from '../helpers/hooks.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

/** A repository whose committed manifest is up to date, with nixtag's hooks installed. */
function freshRepo(install: string[] = ['--git', '--pre-push'], files: Record<string, string> = {}) {
  const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE), ...files });
  const tag = repo.tag();
  repo.write({ 'k8s/deployment.yaml': manifest(tag) });
  repo.commit('fresh');
  expect(installHooks(repo, install).code).toBe(0);
  return { repo, tag };
}

/** Changes the image's source and returns the tag it now has in the index. */
function changeSource(repo: HookRepo, stage = true): string {
  repo.write({ 'app/main.go': `package main // ${Math.random()}\n` });
  if (stage) repo.git('add', 'app/main.go');
  const source = stage ? '--staged' : '--no-cache';
  const hash = JSON.parse(
    execFileSync(process.execPath, [BIN, 'hash', '--json', source], { cwd: repo.dir, encoding: 'utf8' }),
  ) as { images: Array<{ hash: string }> };
  return hash.images[0]!.hash;
}

describe('pre-commit through plain git hooks', () => {
  it('refuses a commit whose staged manifest is stale, leaving index and working tree as they were', () => {
    const { repo } = freshRepo();
    changeSource(repo);
    const head = repo.head();
    const before = repo.snapshot();
    const commit = repo.run(['commit', '-m', 'change the app']);
    expect(commit.code).not.toBe(0);
    expect(commit.stdout + commit.stderr).toContain('k8s/deployment.yaml:10:18: stale reference');
    expect(commit.stdout + commit.stderr).toContain('nixtag fix --staged');
    expect(repo.head()).toBe(head);
    expect(repo.snapshot()).toBe(before);
  });

  it('refuses a commit whose kustomization deploys a stale tag from a submodule, as kubectl kustomize renders it', () => {
    const { repo } = freshRepo(['--git']);
    const upstream = gitRepo({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'base/deploy.yaml': manifest(STALE),
    });
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', upstream.dir, 'vendor');
    repo.write({ 'overlays/prod/kustomization.yaml': 'resources: [../../vendor/base]\n' });
    repo.git('add', '-A');
    const rendered = execFileSync('kubectl', ['kustomize', 'overlays/prod'], { cwd: repo.dir, encoding: 'utf8' });
    expect(rendered).toContain(`:${STALE}`);
    const head = repo.head();
    const commit = repo.run(['commit', '-m', 'vendor the base']);
    expect(commit.code).not.toBe(0);
    expect(commit.stdout + commit.stderr).toContain('vendor/base/deploy.yaml:10:18: stale reference');
    expect(repo.head()).toBe(head);
  });

  it('still refuses when the fix is in the working tree but not staged', () => {
    const { repo } = freshRepo();
    const tag = changeSource(repo);
    repo.write({ 'k8s/deployment.yaml': manifest(tag) });
    expect(repo.run(['commit', '-m', 'change']).code).not.toBe(0);
  });

  it('accepts a fresh index whatever the working tree holds', () => {
    const { repo } = freshRepo();
    const tag = changeSource(repo);
    repo.write({ 'k8s/deployment.yaml': manifest(tag) });
    repo.git('add', 'k8s/deployment.yaml');
    repo.write({ 'k8s/deployment.yaml': manifest(STALE), 'app/main.go': 'package main // unstaged\n' });
    const commit = repo.run(['commit', '-m', 'change with its tag']);
    expect(commit.code).toBe(0);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).toBe(manifest(tag));
  });

  it('accepts a commit while a hashed source has an unrelated unstaged edit', () => {
    const { repo } = freshRepo();
    repo.write({ 'app/main.go': 'package main // not staged\n', 'README.md': 'docs\n' });
    repo.git('add', 'README.md');
    expect(repo.run(['commit', '-m', 'docs']).code).toBe(0);
  });

  it('judges `git commit -a` and `git commit <paths>` on the index git uses', () => {
    const { repo } = freshRepo();
    const tag = changeSource(repo, false);
    // -a takes the source change in: stale.
    expect(repo.run(['commit', '-a', '-m', 'all']).code).not.toBe(0);
    // With the manifest fixed in the working tree, -a takes both in: fresh.
    repo.write({ 'k8s/deployment.yaml': manifest(tag) });
    const head = repo.head();
    // `git commit <path>` commits HEAD plus that path only: the manifest stays out, stale, and
    // the hint says to name it (not to stage it: staging would not put it in this commit).
    repo.git('add', 'k8s/deployment.yaml');
    const partial = repo.run(['commit', '-m', 'source only', 'app/main.go']);
    expect(partial.code).not.toBe(0);
    expect(partial.stdout + partial.stderr).toContain('commits only the paths it names: add k8s/deployment.yaml');
    expect(partial.stdout + partial.stderr).not.toContain('git add k8s/deployment.yaml');
    expect(repo.head()).toBe(head);
    expect(repo.run(['commit', '-m', 'both', 'app/main.go', 'k8s/deployment.yaml']).code).toBe(0);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).toBe(manifest(tag));
    repo.write({ 'app/main.go': 'package main // again\n' });
    expect(repo.run(['commit', '-a', '-m', 'stale again']).code).not.toBe(0);
  });

  it('judges an amended commit and a repository with no commit yet', () => {
    const { repo } = freshRepo();
    changeSource(repo);
    expect(repo.run(['commit', '--amend', '--no-edit']).code).not.toBe(0);

    const empty = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) }, { commit: false });
    expect(installHooks(empty, ['--git']).code).toBe(0);
    empty.git('add', '--all');
    expect(empty.run(['commit', '-m', 'first']).code).not.toBe(0);
    expect(empty.git('rev-list', '--all').trim()).toBe('');
  });

  it('works in a linked worktree', () => {
    const { repo } = freshRepo();
    const linked = path.join(tempDir(), 'linked');
    repo.git('worktree', 'add', '--quiet', '-b', 'side', linked);
    mkdirSync(path.join(linked, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(BIN, path.join(linked, 'node_modules', '.bin', 'nixtag'));
    writeFileSync(path.join(linked, 'app', 'main.go'), 'package main // in the linked worktree\n');
    expect(repo.run(['-C', linked, 'add', 'app/main.go']).code).toBe(0);
    const commit = repo.run(['-C', linked, 'commit', '-m', 'stale in linked worktree']);
    expect(commit.code).not.toBe(0);
    expect(commit.stdout + commit.stderr).toContain('stale reference');
  });

  it('is skipped with NIXTAG_SKIP=1 and with --no-verify', () => {
    const { repo } = freshRepo();
    changeSource(repo);
    const skipped = repo.run(['commit', '-m', 'skip'], { env: { NIXTAG_SKIP: '1' } });
    expect(skipped.code).toBe(0);
    changeSource(repo);
    expect(repo.run(['commit', '--no-verify', '-m', 'no verify']).code).toBe(0);
  });

  it('in fix mode commits the corrected manifest and keeps unstaged edits', () => {
    const { repo } = freshRepo(['--git', '--pre-commit', 'fix']);
    const tag = changeSource(repo);
    const unstaged =
      manifest(repo.read('k8s/deployment.yaml').match(/:([0-9a-z]{32})/)![1]!) + '# a note not staged yet\n';
    repo.write({ 'k8s/deployment.yaml': unstaged });
    const commit = repo.run(['commit', '-m', 'fixed by the hook']);
    expect(commit.code).toBe(0);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).toBe(manifest(tag));
    expect(repo.git('show', ':k8s/deployment.yaml')).toBe(manifest(tag));
    expect(repo.read('k8s/deployment.yaml')).toBe(manifest(tag) + '# a note not staged yet\n');
  });

  it('in fix mode with `git commit <paths>` puts the fix in the commit and in the real index', () => {
    const { repo } = freshRepo(['--git', '--pre-commit', 'fix']);
    repo.write({ 'README.md': 'staged separately\n' });
    repo.git('add', 'README.md');
    const tag = changeSource(repo, false);
    const commit = repo.run(['commit', '-m', 'source only', 'app/main.go']);
    expect(commit.code).toBe(0);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).toBe(manifest(tag));
    expect(repo.git('show', ':k8s/deployment.yaml')).toBe(manifest(tag));
    // What was staged apart from the paths stays staged, not committed.
    expect(repo.git('diff', '--cached', '--name-only').trim()).toBe('README.md');
  });

  it('works with the packaged hooks/ scripts as core.hooksPath', () => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    repo.git('config', 'core.hooksPath', path.resolve(path.dirname(BIN), '../../hooks'));
    repo.write({ 'README.md': 'x\n' });
    repo.git('add', 'README.md');
    const refused = repo.run(['commit', '-m', 'stale']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('stale reference');
    const fixed = repo.run(['commit', '-m', 'fixed by the hook'], { env: { NIXTAG_PRE_COMMIT: 'fix' } });
    expect(fixed.code).toBe(0);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).not.toContain(STALE);
  });

  it('keeps a hook that was there, runs it first, and installs idempotently', () => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    const hooks = path.join(repo.dir, '.git', 'hooks');
    writeFileSync(path.join(hooks, 'pre-commit'), '#!/bin/sh\necho ran > "$PWD/.earlier-hook-ran"\n');
    chmodSync(path.join(hooks, 'pre-commit'), 0o755);
    expect(installHooks(repo, ['--git']).stdout).toContain('chained');
    expect(installHooks(repo, ['--git']).stdout).toContain('unchanged');
    repo.write({ 'README.md': 'x\n' });
    repo.git('add', 'README.md');
    expect(repo.run(['commit', '-m', 'stale']).code).not.toBe(0);
    expect(readFileSync(path.join(repo.dir, '.earlier-hook-ran'), 'utf8')).toBe('ran\n');
  });
});

describe('pre-merge-commit through plain git hooks', () => {
  const install = (args: string[]) => (repo: HookRepo) => expect(installHooks(repo, args).code).toBe(0);

  it('refuses a clean merge of two up-to-date branches whose result is stale, and the commit that completes it', () => {
    const { repo, merged } = staleMerge(install(['--git']));
    expect(readFileSync(path.join(repo.dir, '.git', 'hooks', 'pre-merge-commit'), 'utf8')).toContain('nixtag');
    const head = repo.head();
    const merge = repo.run(['merge', '--no-edit', 'side']);
    expect(merge.code).not.toBe(0);
    expect(merge.stdout + merge.stderr).toContain('k8s/deployment.yaml:10:18: stale reference');
    expect(repo.head()).toBe(head);
    // git leaves the merge to be committed: `git commit` runs pre-commit, which refuses it too.
    expect(repo.run(['commit', '--no-edit']).code).not.toBe(0);
    repo.write({ 'k8s/deployment.yaml': manifest(merged) });
    repo.git('add', 'k8s/deployment.yaml');
    expect(repo.run(['commit', '--no-edit']).code).toBe(0);
    expect(repo.git('rev-list', '--parents', '-n', '1', 'HEAD').trim().split(' ')).toHaveLength(3);
  });

  it('in fix mode stops the merge with the fix staged, which `git commit` then records', () => {
    const { repo, merged } = staleMerge(install(['--git', '--pre-commit', 'fix']));
    const head = repo.head();
    // git records a merge from the tree it wrote before pre-merge-commit: a fix staged by the
    // hook would be left out of it, so the merge stops instead of being recorded stale.
    const merge = repo.run(['merge', '--no-edit', 'side']);
    expect(merge.code).not.toBe(0);
    expect(merge.stdout + merge.stderr).toContain('run `git commit` to record it');
    expect(repo.head()).toBe(head);
    expect(repo.git('show', ':k8s/deployment.yaml')).toBe(manifest(merged));
    const commit = repo.run(['commit', '--no-edit']);
    expect(commit.code, commit.stdout + commit.stderr).toBe(0);
    expect(repo.git('rev-list', '--parents', '-n', '1', 'HEAD').trim().split(' ')).toHaveLength(3);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).toBe(manifest(merged));
    expect(repo.tag()).toBe(merged);
    expect(repo.git('status', '--porcelain').trim()).toBe('');
  });

  it('is skipped with NIXTAG_SKIP=1 and with --no-verify, as a merge without the hook would be', () => {
    const { repo } = staleMerge(install(['--git']));
    expect(repo.run(['merge', '--no-edit', '--no-verify', 'side']).code).toBe(0);
    // Recorded stale: what the hook is there to prevent.
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).not.toBe(manifest(repo.tag()));
    repo.git('reset', '--quiet', '--hard', 'HEAD~1');
    expect(repo.run(['merge', '--no-edit', 'side'], { env: { NIXTAG_SKIP: '1' } }).code).toBe(0);
  });
});

describe('pre-push through plain git hooks', () => {
  it('refuses a stale tip naming the ref, and lets deletions and up-to-date pushes through', () => {
    const { repo } = freshRepo();
    expect(repo.run(['push', '--quiet', 'origin', 'main']).code).toBe(0);
    expect(repo.run(['push', '--quiet', 'origin', 'main']).code).toBe(0); // up to date: empty stdin
    repo.git('branch', 'old');
    expect(repo.run(['push', '--quiet', 'origin', 'old']).code).toBe(0);
    expect(repo.run(['push', '--quiet', 'origin', ':old']).code).toBe(0); // deletion

    changeSource(repo);
    expectStalePushRefused(repo, 'stale');
    repo.git('tag', 'v1');
    const tagPush = repo.run(['push', 'origin', 'v1']);
    expect(tagPush.code).not.toBe(0);
    expect(tagPush.stdout + tagPush.stderr).toContain('refs/tags/v1');
  });
});
