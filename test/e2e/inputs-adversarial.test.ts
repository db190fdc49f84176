/**
 * The wiring of test/integration/inputs-adversarial.test.ts through the built CLI: an idle hook,
 * lint-staged's PATH arguments, and a JavaScript configuration (loaded afresh by each process,
 * which is why that case is only here).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtagCli, type CliResult } from '../helpers/cli.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { gitRepo, type Files, type TestRepo } from '../helpers/repo.js';

const REF = 'registry.example/app';

const image = (data: string) => `{ system ? builtins.currentSystem }:
derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
  builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
  data = ${data};
}
`;

const show = (result: CliResult) => result.stdout + result.stderr;

/** Commits `files` plus a manifest, fixes the tag, commits again and judges once (cache + judgement). */
function judgedRepo(files: Files): TestRepo {
  const repo = gitRepo({ ...files, 'deploy.yaml': deployment(`${REF}:${STALE}`) });
  const fixed = nixtagCli(repo.dir, ['fix']);
  expect(fixed.code, show(fixed)).toBe(0);
  repo.commit('current tags');
  const check = nixtagCli(repo.dir, ['check', '--staged']);
  expect(check.code, show(check)).toBe(0);
  return repo;
}

/** `args` (a cached, idle or narrowed answer), then a full `--no-cache` run: both refuse the index. */
function expectRefusedLikeAFreshRun(repo: TestRepo, args: string[]): void {
  const answer = nixtagCli(repo.dir, args);
  const full = nixtagCli(repo.dir, ['check', '--staged', '--no-cache']);
  expect(full.code, show(full)).toBe(1);
  expect(answer.code, show(answer)).toBe(1);
}

describe('cached, idle and narrowed answers through the built CLI', () => {
  it('a new .config/nixtagrc (a cosmiconfig search place) is not an idle change', () => {
    const repo = judgedRepo({ 'default.nix': image('"v1"') });
    repo.write({ '.config/nixtagrc': 'system: aarch64-linux\n' });
    repo.git('add', '--all');
    expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
  });

  it('a staged deletion of an input beside an edit elsewhere, with the paths lint-staged passes', () => {
    const repo = judgedRepo({
      'default.nix': image('builtins.path { path = ./src; name = "src"; }'),
      'src/a.txt': 'a\n',
      'src/b.txt': 'b\n',
      'README.md': 'readme\n',
    });
    repo.git('rm', '--quiet', 'src/b.txt');
    repo.write({ 'README.md': 'more\n' });
    repo.git('add', 'README.md');
    const staged = repo.git('diff', '--staged', '--name-only', '--diff-filter=ACMR').split('\n').filter(Boolean);
    expect(staged).toEqual(['README.md']);
    expectRefusedLikeAFreshRun(repo, ['check', '--staged', ...staged]);
    expectRefusedLikeAFreshRun(repo, ['check', '--staged', ...staged]);
  });

  it('a JavaScript configuration that requires another file', () => {
    const repo = judgedRepo({
      'default.nix': image('"v1"'),
      'nixtag.config.cjs': "module.exports = require('./nixtag.shared.json');\n",
      'nixtag.shared.json': '{ "system": "x86_64-linux" }\n',
    });
    repo.write({ 'nixtag.shared.json': '{ "system": "aarch64-linux" }\n' });
    repo.git('add', '--all');
    expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
    // Without the judgement, the evaluation cache must answer the same.
    rmSync(path.join(repo.dir, '.git/nixtag/judgement.json'), { force: true });
    const cached = nixtagCli(repo.dir, ['check', '--staged']);
    expect(cached.code, show(cached)).toBe(1);
  });
});
