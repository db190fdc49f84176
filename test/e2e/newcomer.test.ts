import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { deployment } from '../helpers/expressions.js';
import { markedBlock, shell } from '../helpers/docs.js';
import { appImage, hookEnv, NPM_ENV } from '../helpers/hooks.js';
import { tempDir } from '../helpers/repo.js';
import { preparedOnce } from '../helpers/template.js';

/** The shell block that follows `<!-- newcomer:NAME -->` in README.md, exactly as written there. */
const readmeBlock = (name: string) => markedBlock('README.md', `newcomer:${name}`);

// The README's NIXTAG: the tarball `npm pack` made of this checkout, once per run (test/helpers/packSetup.ts).
const tarball = inject('nixtagTarball').file;

const env = (extra: Record<string, string> = {}) => hookEnv({ NIXTAG: tarball, ...NPM_ENV, ...extra });

/** Runs a README block as written, and says which when it fails. */
async function step(sh: ReturnType<typeof shell>, name: string): Promise<void> {
  const ran = await sh(readmeBlock(name));
  expect(ran.output, `README block ${name}`).not.toMatch(/command not found|ERR!/);
  expect(ran.code, `README block ${name}:\n${ran.output}`).toBe(0);
}

/**
 * A newcomer's repository: an image built from app/, a deployment tagged v1.0.0 (not a Nix hash
 * yet), and the README's first steps run as written. They are the same whatever the manager, so
 * they run once, and each manager's case goes on from a copy.
 */
const afterFirstSteps = preparedOnce(
  {
    'default.nix': appImage,
    'app/main.go': 'package main\n',
    'k8s/deployment.yaml': deployment('registry.example.com/team/app:v1.0.0'),
  },
  async (repo) => {
    const sh = shell(repo.dir, env());
    // The newcomer's Node is the system's, not the one running these tests.
    const systemNode = await sh('node -p process.execPath');
    expect(systemNode.output.trim()).not.toBe(process.execPath);
    await step(sh, 'setup');
  },
);

/** One manager's section and the finish, then a stale commit is refused and a fixed one accepted. */
async function followReadme(manager: string): Promise<void> {
  const repo = await afterFirstSteps();
  const sh = shell(
    repo.dir,
    env({ PRE_COMMIT_HOME: path.join(tempDir('pre-commit-'), 'home'), PRE_COMMIT_COLOR: 'never' }),
  );
  for (const name of [manager, 'finish']) await step(sh, name);
  expect(repo.git('log', '--format=%s', '-1')).toContain('nixtag');

  repo.write({ 'app/main.go': 'package main // v2\n' });
  const refused = await sh('git add -A && git commit -m "v2 without the new tag"');
  expect(refused.code).not.toBe(0);
  expect(refused.output).toContain('stale reference');
  const accepted = await sh('npx nixtag fix && git add -A && git commit -m "v2 with its tag"');
  expect(accepted.code, accepted.output).toBe(0);

  // A commit that only deletes an input (lint-staged runs no task for it) is refused too.
  repo.write({ 'app/extra.go': 'package main\n' });
  const extra = await sh('git add -A && npx nixtag fix && git add -A && git commit -m "extra"');
  expect(extra.code, extra.output).toBe(0);
  const deletion = await sh('git rm -q app/extra.go && git commit -m "only a deletion"');
  expect(deletion.code, deletion.output).not.toBe(0);
  expect(deletion.output).toContain('stale reference');
}

describe('a newcomer follows the README, word for word', () => {
  it.each(['husky', 'lint-staged', 'lefthook', 'pre-commit', 'git'])(
    'with %s',
    (manager) => followReadme(manager),
    600_000,
  );
});
