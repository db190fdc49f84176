import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { docBlock, shell } from '../helpers/docs.js';
import { deployment } from '../helpers/expressions.js';
import { appImage, hookEnv, NPM_ENV } from '../helpers/hooks.js';
import { tempDir, type TestRepo } from '../helpers/repo.js';
import { preparedOnce } from '../helpers/template.js';

// The tarball `npm pack` made of this checkout, once per run (test/helpers/packSetup.ts).
const tarball = inject('nixtagTarball').file;
const vendored = `./vendor/${path.basename(tarball)}`;

const expectRan = (step: { code: number; output: string }, what: string) => {
  expect(step.output, what).not.toMatch(/command not found|ERR!/);
  expect(step.code, `${what}:\n${step.output}`).toBe(0);
};

/** The command each manager's clone needs run by `npm install` (docs/teams.md's table). */
const PREPARE: Record<string, string> = {
  git: 'nixtag install --git --pre-push',
  husky: 'husky',
  lefthook: 'lefthook install',
  'pre-commit': 'pre-commit install --hook-type pre-commit --hook-type pre-merge-commit --hook-type pre-push',
};

const preCommitHome = () => path.join(tempDir('pre-commit-'), 'home');
const env = (extra: Record<string, string> = {}) => hookEnv({ PRE_COMMIT_COLOR: 'never', ...NPM_ENV, ...extra });

/**
 * A team's repository after the README's first steps and nixtag shared as a tarball committed in
 * the repository (docs/teams.md), with only the system's Node on PATH. Those steps are the same
 * whatever the manager: they run once, and each manager's case goes on from a copy.
 */
const shared = preparedOnce(
  {
    'default.nix': appImage,
    'app/main.go': 'package main\n',
    'k8s/deployment.yaml': deployment('registry.example.com/team/app:v1.0.0'),
  },
  async (repo) => {
    expectRan(
      await shell(repo.dir, env({ NIXTAG: vendored }))(docBlock('README.md', 'newcomer', 'setup')),
      'README setup',
    );
    expectRan(await shell(repo.dir, env({ NIXTAG: tarball }))(docBlock('docs/teams.md', 'teams', 'share')), 'share');
  },
);

/**
 * Then one manager's section of the README with that tarball, and the README's finish. Then a
 * teammate clones it into a fresh directory and runs the ordinary `npm install` (docs/teams.md):
 * their stale commit is refused.
 */
async function protectAndClone(manager: string) {
  const repo = await shared();
  const home = preCommitHome();
  const maintainer = shell(repo.dir, env({ NIXTAG: vendored, PRE_COMMIT_HOME: home }));
  expectRan(await maintainer(docBlock('README.md', 'newcomer', manager)), `README ${manager}`);
  expectRan(await maintainer(docBlock('README.md', 'newcomer', 'finish')), 'README finish');

  const manifest = JSON.parse(repo.read('package.json')) as {
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
  };
  // A path inside the repository, which every clone has.
  expect(manifest.devDependencies.nixtag).toBe(`file:vendor/${path.basename(tarball)}`);
  expect(manifest.scripts.prepare?.split(' && ')).toContain(PREPARE[manager]);
  expect(repo.git('status', '--porcelain')).toBe('');

  const teammateDir = tempDir('teammate-');
  const teammate = shell(teammateDir, env({ REPOSITORY: repo.dir, PRE_COMMIT_HOME: home }));
  expectRan(await teammate(docBlock('docs/teams.md', 'teams', 'teammate')), 'teammate');
  const clone = path.join(teammateDir, 'app');
  const inClone = shell(clone, env({ PRE_COMMIT_HOME: home }));
  const stale = await inClone(
    `printf 'package main // v2\\n' > app/main.go && git add -A && git commit -m "v2, tag not updated"`,
  );
  expect(stale.output).toContain('stale reference');
  expect(stale.code).not.toBe(0);
  const fixed = await inClone('npx nixtag fix && git add -A && git commit -m "v2 with its tag"');
  expect(fixed.code, fixed.output).toBe(0);
  return { repo, maintainer };
}

/** docs/teams.md's way out, in the maintainer's repository: no hook, no dependency, no configuration left. */
async function uninstall(repo: TestRepo, maintainer: ReturnType<typeof shell>): Promise<void> {
  expectRan(await maintainer(docBlock('docs/teams.md', 'teams', 'uninstall')), 'uninstall');
  expect(readFileSync(path.join(repo.dir, 'package.json'), 'utf8')).not.toContain('nixtag');
  expect(repo.git('ls-files', 'vendor', '.nixtagrc.yaml')).toBe('');
  // No hook is left to refuse a commit that nixtag would have.
  const after = await maintainer(`printf 'package main // v3\\n' > app/main.go && git commit -qam "v3"`);
  expect(after.output).not.toContain('nixtag');
  expect(after.code).toBe(0);
}

describe('a teammate who clones a protected repository and runs npm install is protected', () => {
  // With plain git hooks, nixtag then comes out again as docs/teams.md says.
  it.each(['git', 'husky', 'lefthook', 'pre-commit'])(
    'with %s',
    async (manager) => {
      const { repo, maintainer } = await protectAndClone(manager);
      if (manager === 'git') await uninstall(repo, maintainer);
    },
    600_000,
  );
});
