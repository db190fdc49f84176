import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, nixtagCli } from '../helpers/cli.js';
import { STALE } from '../helpers/expressions.js';
import { ciFlakeEval, flakeDrv, hashOf } from '../helpers/flakes.js';
import { hookEnv, hookRepo, installHooks, manifest, type HookRepo } from '../helpers/hooks.js';
import { countingNix } from '../helpers/nix.js';

const CONFIG = `images:
  - name: app
    flake: .#image
    repository: registry.example/app
    manifests: [k8s/deployment.yaml]
`;

/** A flake whose image is built from app/ (a path literal), optionally reading the commit. */
const flake = (extra = '') => `{
  outputs = { self }: {
    packages.x86_64-linux.image = ${flakeDrv('docker-image-app.tar.gz', `src = ./app; ${extra}`)};
  };
}
`;

/** The tag of the image in `source` (`--staged`, `--rev HEAD`), as nixtag hash prints it. */
function tagOf(repo: HookRepo, ...source: string[]): string {
  const output = execFileSync(process.execPath, [BIN, 'hash', '--json', ...source], {
    cwd: repo.dir,
    env: hookEnv(),
    encoding: 'utf8',
  });
  return (JSON.parse(output) as { images: Array<{ hash: string }> }).images[0]!.hash;
}

/** A flake repository whose committed manifest is up to date, nixtag's hooks installed. */
function flakeRepo(extra = '') {
  const repo = hookRepo({
    'flake.nix': flake(extra),
    '.nixtagrc.yaml': CONFIG,
    'k8s/deployment.yaml': manifest(STALE),
  });
  repo.write({ 'k8s/deployment.yaml': manifest(tagOf(repo, '--rev', 'HEAD')) });
  repo.commit('fresh');
  expect(installHooks(repo, ['--git', '--pre-push']).code).toBe(0);
  return repo;
}

describe('flake images through real git hooks', () => {
  it('judges the index only: a staged source change is refused until its tag is staged, unstaged edits never count', () => {
    const repo = flakeRepo();
    repo.write({ 'app/main.go': 'package main // staged\n' });
    repo.git('add', 'app/main.go');
    const refused = repo.run(['commit', '-m', 'change the app']);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('k8s/deployment.yaml:10:18: stale reference');
    const staged = tagOf(repo, '--staged');
    repo.write({ 'k8s/deployment.yaml': manifest(staged) });
    repo.git('add', 'k8s/deployment.yaml');
    // Unstaged: another source edit and a stale manifest in the working tree. Only the index counts.
    repo.write({ 'app/main.go': 'package main // unstaged\n', 'k8s/deployment.yaml': manifest(STALE) });
    const commit = repo.run(['commit', '-m', 'change the app with its tag']);
    expect(commit.stdout + commit.stderr).not.toContain('stale');
    expect(commit.code).toBe(0);
    // What CI computes for the commit: the tag that was committed.
    expect(hashOf(ciFlakeEval(repo, '.#image'))).toBe(staged);
    expect(repo.git('show', 'HEAD:k8s/deployment.yaml')).toBe(manifest(staged));
  });

  it('a README-only commit starts no Nix process; a source change one', () => {
    const repo = flakeRepo();
    const counting = countingNix();
    // The cache is kept per Nix binary: filled once through the counting one.
    expect(nixtagCli(repo.dir, ['check'], counting.env).code).toBe(0);
    const commit = (files: Record<string, string>) => {
      const before = counting.calls();
      repo.write(files);
      repo.git('add', '--all');
      const result = repo.run(['commit', '-m', 'change'], { env: counting.env });
      return { code: result.code, calls: counting.calls() - before };
    };
    expect(commit({ 'README.md': 'docs\n' })).toEqual({ code: 0, calls: 0 });
    expect(commit({ 'app/main.go': 'package main // v2\n' })).toEqual({ code: 1, calls: 1 });
  });

  it('an image reading self.shortRev passes pre-commit unjudged and is judged exactly at pre-push', () => {
    const repo = flakeRepo('version = self.shortRev;');
    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', 'app/main.go');
    const commit = repo.run(['commit', '-m', 'change']);
    expect(commit.code).toBe(0);
    expect(commit.stdout + commit.stderr).toMatch(/depends on the commit/);
    // The committed manifest names the tag of an older commit: pushing is refused.
    const push = repo.run(['push', 'origin', 'main']);
    expect(push.code).not.toBe(0);
    expect(push.stdout + push.stderr).toContain(hashOf(ciFlakeEval(repo, '.#image')));
  });
});

describe('the CI step of docs/flakes.md', () => {
  it('computes the tag CI’s nix eval gives, with the hook’s own code', () => {
    const docs = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/flakes.md'), 'utf8');
    const step = /^TAG=\$\(.*\)$/m.exec(docs)?.[0];
    expect(step).toBeDefined();
    const repo = flakeRepo();
    // The docs' image is named web; this repository's, app.
    const run = step!.replace('--image web', '--image app');
    const tag = execFileSync('sh', ['-c', `${run}\nprintf %s "$TAG"`], {
      cwd: repo.dir,
      env: hookEnv(),
      encoding: 'utf8',
    });
    expect(tag).toBe(hashOf(ciFlakeEval(repo, '.#image')));
  });
});
