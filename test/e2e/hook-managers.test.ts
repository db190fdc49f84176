import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lockRepository } from '../../src/state/lock.js';
import { BIN } from '../helpers/cli.js';
import { processesMentioning } from '../helpers/faults.js';
import { until } from '../helpers/pause.js';
import { STALE } from '../helpers/expressions.js';
import { n2k8sTag } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';
import {
  expectStalePushRefused,
  hookEnv,
  hookRepo,
  installHooks,
  manifest,
  staleMerge,
  type HookRepo,
} from '../helpers/hooks.js';

const MODULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules');

/** Makes packages from nixtag's own node_modules available in the test repository, as npm would. */
function link(repo: HookRepo, packages: string[], bins: Record<string, string>): void {
  for (const name of packages) symlinkSync(path.join(MODULES, name), path.join(repo.dir, 'node_modules', name));
  for (const [bin, target] of Object.entries(bins)) {
    symlinkSync(path.join(MODULES, target), path.join(repo.dir, 'node_modules', '.bin', bin));
  }
}

/** A committed, up-to-date repository; `stale` then stages a source change without its tag. */
function setUp(files: Record<string, string> = {}) {
  const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE), ...files });
  repo.write({ 'k8s/deployment.yaml': manifest(repo.tag()) });
  repo.commit('fresh');
  return repo;
}

function stageSourceChange(repo: HookRepo, note: string): string {
  repo.write({ 'app/main.go': `package main // ${note}\n` });
  repo.git('add', 'app/main.go');
  const hash = JSON.parse(
    execFileSync(process.execPath, [BIN, 'hash', '--json', '--staged'], {
      cwd: repo.dir,
      env: hookEnv(),
      encoding: 'utf8',
    }),
  ) as { images: Array<{ hash: string }> };
  return hash.images[0]!.hash;
}

function initHusky(repo: HookRepo): void {
  link(repo, ['husky'], { husky: 'husky/bin.js' });
  execFileSync(path.join(repo.dir, 'node_modules', '.bin', 'husky'), [], { cwd: repo.dir, env: hookEnv() });
}

describe('husky 9', () => {
  it('runs the line nixtag install adds, pre-commit and pre-push', () => {
    const repo = setUp();
    initHusky(repo);
    repo.write({ '.husky/pre-commit': 'echo "an earlier line" > .husky-earlier\n' });
    const installed = installHooks(repo, ['--pre-push']);
    expect(installed.stdout).toMatch(/pre-commit: chained .*\.husky\/pre-commit/);
    expect(repo.read('.husky/pre-commit')).toBe(
      'echo "an earlier line" > .husky-earlier\nnixtag hook pre-commit --check\n',
    );
    expect(installHooks(repo, ['--pre-push']).stdout).toContain('unchanged');

    const head = repo.head();
    const tag = stageSourceChange(repo, 'v2');
    const refused = repo.run(['commit', '-m', 'stale']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('stale reference');
    expect(repo.head()).toBe(head);
    expect(repo.read('.husky-earlier')).toBe('an earlier line\n');

    repo.write({ 'k8s/deployment.yaml': manifest(tag) });
    repo.git('add', 'k8s/deployment.yaml');
    expect(repo.run(['commit', '-m', 'fresh']).code).toBe(0);
    expect(repo.run(['push', '--quiet', 'origin', 'main']).code).toBe(0);

    stageSourceChange(repo, 'v3');
    expectStalePushRefused(repo, 'stale, unverified');
    expect(repo.run(['push', 'origin', 'main'], { env: { HUSKY: '0' } }).code).toBe(0);
  });
});

describe('merges under hook managers', () => {
  /** Merges `side`: refused, HEAD where it was, and what refused it. */
  function expectMergeRefused(repo: HookRepo): void {
    const head = repo.head();
    const merge = repo.run(['merge', '--no-edit', 'side']);
    expect(merge.code).not.toBe(0);
    expect(merge.stdout + merge.stderr).toContain('stale reference');
    expect(repo.head()).toBe(head);
  }

  it('husky: nixtag install adds .husky/pre-merge-commit, which refuses a stale merge', () => {
    const { repo } = staleMerge((repo) => {
      initHusky(repo);
      expect(installHooks(repo, []).stdout).toMatch(/pre-merge-commit: installed .*\.husky\/pre-merge-commit/);
    });
    expect(repo.read('.husky/pre-merge-commit')).toBe('nixtag hook pre-merge-commit --check\n');
    expectMergeRefused(repo);
  });

  it('lefthook: nixtag install wires pre-merge-commit, which refuses a stale merge', () => {
    const { repo } = staleMerge((repo) => {
      repo.write({ 'lefthook.yml': 'pre-commit:\n  commands: {}\n' });
      link(repo, ['lefthook', 'lefthook-linux-x64'], {});
      const installed = spawnSync(process.execPath, [BIN, 'init', '--install'], { cwd: repo.dir, env: hookEnv() });
      expect(installed.status, String(installed.stderr)).toBe(0);
      expect(repo.read('lefthook.yml')).toContain('nixtag hook pre-merge-commit --check');
      execFileSync(path.join(MODULES, 'lefthook-linux-x64', 'bin', 'lefthook'), ['install'], {
        cwd: repo.dir,
        env: hookEnv(),
      });
    });
    expectMergeRefused(repo);
  });
});

/**
 * A repository whose pre-commit runs lint-staged with `task` on every staged file, under husky,
 * with a small argument limit so that lint-staged calls nixtag once per chunk of files; twelve
 * documentation pages are staged, and so is a change of the image's source.
 */
function lintStagedRepo(task: string): { repo: HookRepo; tag: string } {
  const pages = Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`docs/page-${index}.md`, 'x\n']));
  const repo = setUp({ 'package.json': JSON.stringify({ 'lint-staged': { '*': task } }), ...pages });
  initHusky(repo);
  link(repo, ['lint-staged'], { 'lint-staged': 'lint-staged/bin/lint-staged.js' });
  repo.write({ '.husky/pre-commit': 'lint-staged --max-arg-length 120\n' });
  for (const page of Object.keys(pages)) repo.write({ [page]: 'changed\n' });
  repo.git('add', 'docs');
  return { repo, tag: stageSourceChange(repo, 'v2') };
}

describe('lint-staged under husky', () => {
  it('refuses a stale commit and accepts a fresh one, in chunks, without touching what is unstaged', async () => {
    const { repo, tag } = lintStagedRepo('nixtag check --staged');
    repo.write({ 'app/main.go': 'package main // v2 plus an unstaged edit\n' });
    const head = repo.head();
    const refused = repo.run(['commit', '-m', 'stale']);
    expect(refused.code).not.toBe(0);
    expect(repo.head()).toBe(head);
    expect(repo.read('app/main.go')).toBe('package main // v2 plus an unstaged edit\n');

    // lint-staged killed the other chunks' nixtag when one failed: their lock must not linger.
    // Once they are gone, the next run takes the lock without waiting at all.
    await until(() => processesMentioning(repo.dir).length === 0, "the chunks' nixtag runs are gone");
    const lock = await lockRepository({ gitDir: path.join(repo.dir, '.git') }, { waitSeconds: 0 });
    await lock.release();

    repo.write({ 'k8s/deployment.yaml': manifest(tag) });
    repo.git('add', 'k8s/deployment.yaml');
    const accepted = repo.run(['commit', '-m', 'fresh']);
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).toBe(manifest(tag));
    expect(repo.read('app/main.go')).toBe('package main // v2 plus an unstaged edit\n');
  });

  it('refuses a commit that deletes an input, which lint-staged does not pass (--diff-filter=ACMR)', () => {
    const repo = setUp({ 'package.json': JSON.stringify({ 'lint-staged': { '*': 'nixtag check --staged' } }) });
    repo.write({ 'app/extra.go': 'package main\n' });
    repo.git('add', 'app/extra.go');
    repo.write({ 'k8s/deployment.yaml': manifest(stageSourceChange(repo, 'v1')) });
    repo.commit('extra file, fresh tag');
    initHusky(repo);
    link(repo, ['lint-staged'], { 'lint-staged': 'lint-staged/bin/lint-staged.js' });
    repo.write({ '.husky/pre-commit': 'lint-staged\n', 'README.md': 'readme\n' });
    repo.git('rm', '--quiet', 'app/extra.go');
    repo.git('add', 'README.md');
    const head = repo.head();
    const refused = repo.run(['commit', '-m', 'stale']);
    expect(refused.code, refused.stdout + refused.stderr).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('stale reference');
    expect(repo.head()).toBe(head);
  });

  it('fixes the staged manifest in fix mode, the same across chunks, keeping unstaged edits', () => {
    const { repo, tag } = lintStagedRepo('nixtag fix --staged');
    const old = repo.read('k8s/deployment.yaml');
    // The manifest is partially staged: a staged comment, and an unstaged one.
    repo.write({ 'k8s/deployment.yaml': `${old}# staged note\n` });
    repo.git('add', 'k8s/deployment.yaml');
    repo.write({ 'k8s/deployment.yaml': `${old}# staged note\n# unstaged note\n` });

    const commit = repo.run(['commit', '-m', 'fixed by lint-staged']);
    expect(commit.stdout + commit.stderr).not.toContain('index.lock');
    expect(commit.code).toBe(0);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).toBe(`${manifest(tag)}# staged note\n`);
    expect(repo.read('k8s/deployment.yaml')).toBe(`${manifest(tag)}# staged note\n# unstaged note\n`);
  });
});

describe('lefthook', () => {
  it('runs nixtag on the whole index, fixes what is staged, and passes stdin to pre-push', () => {
    const repo = setUp({
      'lefthook.yml': `pre-commit:
  commands:
    nixtag:
      run: node_modules/.bin/nixtag hook pre-commit --fix
pre-push:
  commands:
    nixtag:
      run: node_modules/.bin/nixtag hook pre-push
      use_stdin: true
`,
    });
    link(repo, ['lefthook', 'lefthook-linux-x64'], {});
    execFileSync(path.join(MODULES, 'lefthook-linux-x64', 'bin', 'lefthook'), ['install'], {
      cwd: repo.dir,
      env: hookEnv(),
    });

    const tag = stageSourceChange(repo, 'v2');
    const commit = repo.run(['commit', '-m', 'fixed by lefthook']);
    expect(commit.code).toBe(0);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).toBe(manifest(tag));
    expect(repo.run(['push', '--quiet', 'origin', 'main']).code).toBe(0);

    stageSourceChange(repo, 'v3');
    expectStalePushRefused(repo, 'stale');
  });
});

/** The tag the deployment at `rev` names, and the one n2k8s's command finds in a fresh clone of it (the oracle). */
function tagsAt(repo: HookRepo, rev: string): { named: string; ci: string } {
  const named = /:([a-z0-9]{32})$/m.exec(repo.git('show', `${rev}:k8s/deployment.yaml`))![1]!;
  const clone = freshClone(repo.dir);
  execFileSync('git', ['checkout', '--quiet', rev], { cwd: clone, env: hookEnv() });
  return { named, ci: n2k8sTag(clone) };
}

/** A branch `stale` off main whose commit (made without hooks, as a cherry-pick is) keeps main's tag. */
function staleBranch(repo: HookRepo): string {
  repo.git('checkout', '--quiet', '-b', 'stale');
  stageSourceChange(repo, 'stale branch');
  repo.git('commit', '--quiet', '--no-verify', '-m', 'stale branch');
  const oid = repo.head();
  repo.git('checkout', '--quiet', 'main');
  const { named, ci } = tagsAt(repo, oid);
  expect(named).not.toBe(ci);
  return oid;
}

const remoteHas = (repo: HookRepo, ref: string) =>
  spawnSync('git', ['--git-dir', repo.git('remote', 'get-url', 'origin').trim(), 'rev-parse', '--verify', '-q', ref], {
    env: hookEnv(),
  }).status === 0;

/**
 * adv13 F16: `git lfs pre-push "$@"` in `.husky/pre-push` (as git-lfs has husky users write it)
 * read all of git's lines before nixtag's line ran, and nixtag took the empty rest as "nothing
 * pushed".
 */
describe('husky 9 with git-lfs', () => {
  it('nixtag install puts its block first and hands git’s lines on: git-lfs still pushes its objects', () => {
    const repo = setUp();
    initHusky(repo);
    repo.git('lfs', 'install', '--local', '--skip-repo');
    repo.write({ '.husky/pre-push': 'git lfs pre-push "$@"\n' });
    expect(installHooks(repo, ['--pre-push']).stdout).toMatch(/pre-push: chained .*\.husky\/pre-push/);
    expect(repo.read('.husky/pre-push')).toMatch(/^# nixtag:pre-push[^]*\nNIXTAG_PUSH\ngit lfs pre-push "\$@"\n$/);
    expect(installHooks(repo, ['--pre-push']).stdout).toMatch(/pre-push: unchanged/);
    // A file in LFS, pushed: git-lfs got git's lines after nixtag.
    repo.write({ '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n', 'blob.bin': 'large content\n' });
    repo.git('add', '.gitattributes', 'blob.bin');
    expect(repo.run(['commit', '-m', 'lfs']).code).toBe(0);
    const pushed = repo.run(['push', 'origin', 'main']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(repo.git('show', 'HEAD:blob.bin'))![1]!;
    const remote = repo.git('remote', 'get-url', 'origin').trim();
    expect(existsSync(path.join(remote, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).toBe(true);
    // Nothing to push: git runs the hook with no lines, and the push goes through.
    expect(repo.run(['push', 'origin', 'main']).code).toBe(0);
    staleBranch(repo);
    const refused = repo.run(['push', 'origin', 'main:main', 'stale:x1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('refs/heads/stale');
    expect(remoteHas(repo, 'refs/heads/x1')).toBe(false);
  });

  it('an earlier line that reads git’s lines (written by hand): the empty rest is not taken as nothing pushed', () => {
    const repo = setUp();
    initHusky(repo);
    repo.write({ '.husky/pre-push': 'git lfs pre-push "$@"\nnixtag hook pre-push "$@"\n' });
    expect(repo.run(['push', 'origin', 'main']).code).toBe(0);
    expect(repo.run(['push', 'origin', 'main']).code).toBe(0);
    staleBranch(repo);
    for (const refspecs of [['stale:x1'], ['main:main', 'stale:x1']]) {
      const refused = repo.run(['push', 'origin', ...refspecs]);
      expect(refused.code).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain('refs/heads/stale');
      expect(refused.stderr).toContain("git's lines naming the pushed refs were empty");
      expect(remoteHas(repo, 'refs/heads/x1')).toBe(false);
    }
  });
});

/**
 * adv13 F15: the pre-commit framework reads git's pre-push lines itself and tells its hooks of the
 * first ref with new commits only: `git push origin main:main stale:x1` passed the stale commit.
 * nixtag's pre-push is its plain hook beside the framework's, which runs it with git's lines.
 */
describe('the pre-commit framework’s local hooks', () => {
  it.each([
    ['nixtag first', false],
    ['pre-commit install first', true],
  ])('judge every pushed ref (%s)', (_order, frameworkFirst) => {
    const repo = setUp({ '.pre-commit-config.yaml': 'repos: []\n' });
    const frameworkInstall = () => {
      const result = spawnSync('pre-commit', ['install', '--hook-type', 'pre-commit', '--hook-type', 'pre-push'], {
        cwd: repo.dir,
        env: hookEnv({ PRE_COMMIT_HOME: path.join(repo.dir, '..', 'pre-commit-home') }),
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
    };
    if (frameworkFirst) frameworkInstall();
    const installed = spawnSync(process.execPath, [BIN, 'init', '--install'], {
      cwd: repo.dir,
      env: hookEnv(),
      encoding: 'utf8',
    });
    expect(installed.status, installed.stderr).toBe(0);
    expect(installed.stdout).toMatch(/pre-push: (installed|chained) \(.*\.git\/hooks\/pre-push\)/);
    expect(repo.read('.pre-commit-config.yaml')).not.toContain('nixtag-pre-push');
    if (!frameworkFirst) frameworkInstall();
    repo.commit('hooks');
    const env = { PRE_COMMIT_HOME: path.join(repo.dir, '..', 'pre-commit-home') };
    expect(repo.run(['push', 'origin', 'main'], { env }).code).toBe(0);
    repo.write({ 'README.md': 'notes\n' });
    repo.git('add', 'README.md');
    expect(repo.run(['commit', '-m', 'notes'], { env }).code).toBe(0);
    staleBranch(repo);
    for (const refspecs of [['main:main', 'stale:x1'], ['stale:x1']]) {
      const refused = repo.run(['push', 'origin', ...refspecs], { env });
      expect(refused.code).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain('refs/heads/stale');
      expect(remoteHas(repo, 'refs/heads/x1')).toBe(false);
    }
    expect(repo.run(['push', 'origin', 'main:main', 'main:x2'], { env }).code).toBe(0);
  });
});
