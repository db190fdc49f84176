import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { docBlock, shell } from '../helpers/docs.js';
import { deployment } from '../helpers/expressions.js';
import { appImage, hookEnv, NPM_ENV } from '../helpers/hooks.js';
import { tempDir, type TestRepo } from '../helpers/repo.js';
import { preparedOnce } from '../helpers/template.js';

// The README's NIXTAG: the tarball `npm pack` made of this checkout, once per run
// (test/helpers/packSetup.ts), shared in the repository as docs/teams.md says.
const tarball = inject('nixtagTarball').file;
const vendored = `./vendor/${path.basename(tarball)}`;

type Shell = ReturnType<typeof shell>;

/** Runs a block of the docs as written, and says which when it fails. */
async function step(sh: Shell, page: string, kind: string, name: string): Promise<void> {
  const ran = await sh(docBlock(page, kind, name));
  expect(ran.output, `${page} block ${name}`).not.toMatch(/command not found|ERR!/);
  expect(ran.code, `${page} block ${name}:\n${ran.output}`).toBe(0);
}

/** The command each manager's clone needs run by `npm install` (docs/teams.md's table). */
const PREPARE: Record<string, string> = {
  git: 'nixtag install --git --pre-push',
  husky: 'husky',
  lefthook: 'lefthook install',
  'pre-commit':
    'pre-commit install --hook-type pre-commit --hook-type pre-merge-commit && nixtag install --git --pre-push-only',
};

const preCommitHome = () => path.join(tempDir('pre-commit-'), 'home');
const env = (extra: Record<string, string> = {}) => hookEnv({ PRE_COMMIT_COLOR: 'never', ...NPM_ENV, ...extra });

/**
 * A newcomer's repository: an image built from app/, a deployment tagged v1.0.0 (not a Nix hash
 * yet), with only the system's Node on PATH; the README's first steps, and nixtag shared as a
 * tarball committed in the repository (docs/teams.md). Those steps are the same whatever the
 * manager, and each an npm install: they run once, and each manager's case goes on from a copy.
 */
const shared = preparedOnce(
  {
    'default.nix': appImage,
    'app/main.go': 'package main\n',
    'k8s/deployment.yaml': deployment('registry.example.com/team/app:v1.0.0'),
  },
  async (repo) => {
    const sh = shell(repo.dir, env({ NIXTAG: tarball }));
    // The newcomer's Node is the system's, not the one running these tests.
    expect((await sh('node -p process.execPath')).output.trim()).not.toBe(process.execPath);
    await step(sh, 'README.md', 'newcomer', 'setup');
    await step(sh, 'docs/teams.md', 'teams', 'share');
  },
);

/**
 * One manager's section of the README and its finish, word for word; then a stale commit is
 * refused, a fixed one accepted, and a commit that only deletes an input (lint-staged runs no
 * task for it) refused too.
 */
async function followReadme(
  manager: string,
  nixtag = vendored,
): Promise<{ repo: TestRepo; maintainer: Shell; home: string }> {
  const repo = await shared();
  const home = preCommitHome();
  const maintainer = shell(repo.dir, env({ NIXTAG: nixtag, PRE_COMMIT_HOME: home }));
  for (const name of [manager, 'finish']) await step(maintainer, 'README.md', 'newcomer', name);
  expect(repo.git('log', '--format=%s', '-1')).toContain('nixtag');
  expect(repo.git('status', '--porcelain')).toBe('');

  repo.write({ 'app/main.go': 'package main // v2\n' });
  const refused = await maintainer('git add -A && git commit -m "v2 without the new tag"');
  expect(refused.code).not.toBe(0);
  expect(refused.output).toContain('stale reference');
  const accepted = await maintainer('npx nixtag fix && git add -A && git commit -m "v2 with its tag"');
  expect(accepted.code, accepted.output).toBe(0);

  repo.write({ 'app/extra.go': 'package main\n' });
  const extra = await maintainer('git add -A && npx nixtag fix && git add -A && git commit -m "extra"');
  expect(extra.code, extra.output).toBe(0);
  const deletion = await maintainer('git rm -q app/extra.go && git commit -m "only a deletion"');
  expect(deletion.code, deletion.output).not.toBe(0);
  expect(deletion.output).toContain('stale reference');
  repo.git('reset', '--quiet', '--hard');
  return { repo, maintainer, home };
}

/**
 * A teammate clones the repository into a fresh directory and runs the ordinary `npm install`
 * (docs/teams.md): their stale commit is refused, their fixed one accepted.
 */
async function teammateClones(repo: TestRepo, manager: string, home: string): Promise<void> {
  const manifest = JSON.parse(repo.read('package.json')) as {
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
  };
  // A path inside the repository, which every clone has.
  expect(manifest.devDependencies.nixtag).toBe(`file:vendor/${path.basename(tarball)}`);
  for (const step of PREPARE[manager]!.split(' && ')) expect(manifest.scripts.prepare?.split(' && ')).toContain(step);

  const teammateDir = tempDir('teammate-');
  const teammate = shell(teammateDir, env({ REPOSITORY: repo.dir, PRE_COMMIT_HOME: home }));
  await step(teammate, 'docs/teams.md', 'teams', 'teammate');
  const inClone = shell(path.join(teammateDir, 'app'), env({ PRE_COMMIT_HOME: home }));
  const stale = await inClone(
    `printf 'package main // v3\\n' > app/main.go && git add -A && git commit -m "v3, tag not updated"`,
  );
  expect(stale.output).toContain('stale reference');
  expect(stale.code).not.toBe(0);
  const fixed = await inClone('npx nixtag fix && git add -A && git commit -m "v3 with its tag"');
  expect(fixed.code, fixed.output).toBe(0);
}

/** docs/teams.md's way out, in the maintainer's repository: no hook, no dependency, no configuration left. */
async function uninstall(repo: TestRepo, maintainer: Shell): Promise<void> {
  await step(maintainer, 'docs/teams.md', 'teams', 'uninstall');
  expect(readFileSync(path.join(repo.dir, 'package.json'), 'utf8')).not.toContain('nixtag');
  expect(repo.git('ls-files', 'vendor', '.nixtagrc.yaml')).toBe('');
  // No hook is left to refuse a commit that nixtag would have.
  const after = await maintainer(`printf 'package main // v4\\n' > app/main.go && git commit -qam "v4"`);
  expect(after.output).not.toContain('nixtag');
  expect(after.code).toBe(0);
}

describe('a newcomer follows the README word for word, and a teammate who clones and runs npm install is protected', () => {
  // Each manager of docs/teams.md's table; with plain git hooks, nixtag then comes out again.
  it.each(['git', 'husky', 'lefthook', 'pre-commit'])(
    'with %s',
    async (manager) => {
      const { repo, maintainer, home } = await followReadme(manager);
      await teammateClones(repo, manager, home);
      if (manager === 'git') await uninstall(repo, maintainer);
    },
    600_000,
  );

  // lint-staged runs under husky, whose clone `with husky` covers. NIXTAG as the README has it:
  // the tarball's absolute path.
  it('with lint-staged', () => followReadme('lint-staged', tarball), 600_000);
});
