import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STALE } from '../helpers/expressions.js';
import { appImage, hookEnv, manifest, NPM_ENV, SYSTEM_PATH } from '../helpers/hooks.js';
import { serveNodeDist } from '../helpers/nodeDist.js';
import { gitRepo, tempDir, testEnv, type TestRepo } from '../helpers/repo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A program run without blocking this process: the cases below run at the same time. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `.pre-commit-config.yaml` naming this checkout at its HEAD commit, each hook with `extra` lines. */
function preCommitConfig(extra = ''): string {
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', env: testEnv() }).trim();
  return `repos:
  - repo: ${ROOT}
    rev: ${head}
    hooks:
      - id: nixtag${extra}
      - id: nixtag-pre-push${extra}
`;
}

/** A user's repository with a stale manifest, a remote, and the pre-commit configuration `config`. */
function preCommitRepo(config: string): { repo: TestRepo; tag: string } {
  const repo = gitRepo({
    'default.nix': appImage,
    'app/main.go': 'package main\n',
    'k8s/deployment.yaml': manifest(STALE),
  });
  const tag = JSON.parse(
    execFileSync(process.execPath, [path.join(ROOT, 'dist/cli/bin.js'), 'hash', '--json'], {
      cwd: repo.dir,
      env: testEnv(),
      encoding: 'utf8',
    }),
  ).images[0].hash as string;
  repo.write({ '.pre-commit-config.yaml': config });
  repo.git('add', '.pre-commit-config.yaml');
  const remote = path.join(tempDir('remote-'), 'remote.git');
  execFileSync('git', ['init', '--quiet', '--bare', remote], { env: testEnv() });
  repo.git('remote', 'add', 'origin', remote);
  return { repo, tag };
}

/**
 * A stale commit refused, a fresh one accepted and pushed, a stale merge of branch `side` and a
 * stale push refused: all through the framework.
 */
async function judgesCommitsAndPushes(
  repo: TestRepo,
  tag: string,
  env: NodeJS.ProcessEnv,
  side = 'side',
): Promise<void> {
  const git = (args: string[]) => run('git', args, { cwd: repo.dir, env });
  repo.write({ 'app/main.go': 'package main // v2\n' });
  repo.git('add', '--all');
  const refused = await git(['commit', '-m', 'stale']);
  expect(refused.stdout + refused.stderr).toContain('stale reference');
  expect(refused.status).not.toBe(0);

  repo.write({ 'k8s/deployment.yaml': manifest(tag), 'app/main.go': 'package main\n' });
  repo.git('add', '--all');
  const accepted = await git(['commit', '-m', 'fresh']);
  expect(accepted.stdout + accepted.stderr).toContain('nixtag');
  expect(accepted.status, accepted.stdout + accepted.stderr).toBe(0);
  expect((await git(['push', '--quiet', 'origin', 'main'])).status).toBe(0);

  // A merge git records itself runs pre-merge-commit: a stale branch (committed without hooks)
  // merged into an up-to-date main is refused.
  expect((await git(['checkout', '--quiet', '-b', side])).status).toBe(0);
  repo.write({ 'app/main.go': 'package main // side\n' });
  repo.git('add', 'app/main.go');
  expect((await git(['commit', '--no-verify', '-m', 'stale side'])).status).toBe(0);
  expect((await git(['checkout', '--quiet', 'main'])).status).toBe(0);
  repo.write({ 'README.md': `notes before merging ${side}\n` });
  repo.git('add', 'README.md');
  expect((await git(['commit', '-m', 'notes'])).status).toBe(0);
  const merge = await git(['merge', '--no-edit', side]);
  expect(merge.status).not.toBe(0);
  expect(merge.stdout + merge.stderr).toContain('stale reference');
  expect((await git(['merge', '--abort'])).status).toBe(0);
  // The framework tells nixtag-pre-push of one pushed ref at most, so it also judges every local
  // branch the remote lacks (docs/hooks.md): the refused branch goes, or it would refuse every push.
  expect((await git(['branch', '--quiet', '-D', side])).status).toBe(0);

  repo.write({ 'app/main.go': 'package main // v3\n' });
  repo.git('add', 'app/main.go');
  expect((await git(['commit', '--no-verify', '-m', 'stale, unverified'])).status).toBe(0);
  const push = await git(['push', 'origin', 'main']);
  expect(push.status).not.toBe(0);
  expect(push.stdout + push.stderr).toContain('stale reference');
}

const installHooks = (repo: TestRepo, env: NodeJS.ProcessEnv) =>
  run(
    'pre-commit',
    [
      'install',
      '--install-hooks',
      ...['pre-commit', 'pre-merge-commit', 'pre-push'].flatMap((hook) => ['--hook-type', hook]),
    ],
    {
      cwd: repo.dir,
      env,
    },
  );

function frameworkEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return hookEnv({
    PRE_COMMIT_HOME: path.join(tempDir('pre-commit-'), 'home'),
    PRE_COMMIT_COLOR: 'never',
    ...NPM_ENV,
    ...extra,
  });
}

/**
 * The pre-commit framework (Debian's package; scripts/ensure-tools.sh installs it) installs nixtag
 * as a `language: node` hook from a git checkout of this repository at its HEAD commit: cloned,
 * built by npm's `prepare`, packed and installed, exactly as a user's `.pre-commit-config.yaml`
 * would. No package.json in the user's repository: the framework's environment is all there is.
 */
describe.concurrent('the pre-commit framework', () => {
  it('installs nixtag from a git checkout and judges commits, merges and pushes: node and nodejs are Node >= 22', async () => {
    // nodeenv's `system` Node is the first of `nodejs`, `node` on PATH: here the runner's.
    const nodeBin = path.join(tempDir('node-'), 'bin');
    mkdirSync(nodeBin);
    for (const name of ['node', 'nodejs']) symlinkSync(process.execPath, path.join(nodeBin, name));
    const env = frameworkEnv({ PATH: `${nodeBin}:${SYSTEM_PATH}` });
    const { repo, tag } = preCommitRepo(preCommitConfig());
    const install = await installHooks(repo, env);
    expect(install.stderr + install.stdout).not.toMatch(/error/i);
    expect(install.status).toBe(0);
    await judgesCommitsAndPushes(repo, tag, env);
  }, 600_000);

  // Installed with only the system's Node 20 (nodeenv's `system` Node is Debian's nodejs): the
  // hook says what to change. A Node >= 22 first on PATH as `node` (nvm's, say; nodejs stays
  // Debian's) is then what nixtag hands over to; or `language_version` gives each nixtag hook a
  // Node of its own. nodeenv fetches that Node from nodejs.org; here a server on 127.0.0.1 stands
  // in for it (through http_proxy), with the runner's Node as the release.
  it('with only the system’s Node 20, the hook says what to change; a newer `node` on PATH, or `language_version`, then works', async () => {
    // Made before the first await: in a concurrent describe, a test's cleanup is registered only then.
    const nodeBin = path.join(tempDir('node-'), 'bin');
    mkdirSync(nodeBin);
    symlinkSync(process.execPath, path.join(nodeBin, 'node'));
    const dist = await serveNodeDist();
    const env = frameworkEnv({
      http_proxy: dist.proxy,
      // npm reaches its registry directly; only nodeenv's download goes through the stand-in.
      no_proxy: 'registry.npmjs.org',
      NO_PROXY: 'registry.npmjs.org',
    });
    const systemNode = await run('node', ['-p', 'process.versions.node'], { cwd: ROOT, env });
    expect(Number(systemNode.stdout.split('.')[0])).toBeLessThan(22);
    const { repo, tag } = preCommitRepo(preCommitConfig());
    const install = await installHooks(repo, env);
    expect(install.status, install.stdout + install.stderr).toBe(0);

    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', '--all');
    const refused = await run('git', ['commit', '-m', 'stale'], { cwd: repo.dir, env });
    const output = refused.stdout + refused.stderr;
    expect(refused.status).not.toBe(0);
    expect(output).toContain('NODE_VERSION');
    expect(output).toContain('The pre-commit framework installed nixtag in');
    expect(output).toContain('`language_version: 22.12.0`');

    await judgesCommitsAndPushes(repo, tag, { ...env, PATH: `${nodeBin}:${env.PATH ?? ''}` }, 'side-newer-node');

    // What the hint says, done, with only the system's Node on PATH again.
    repo.write({ '.pre-commit-config.yaml': preCommitConfig(`\n        language_version: ${dist.version}`) });
    repo.git('add', '--all');
    repo.git('commit', '--quiet', '--no-verify', '-m', 'nixtag hooks on their own Node');
    await judgesCommitsAndPushes(repo, tag, env, 'side-language-version');
    expect(dist.downloads()).toBe(1);
  }, 600_000);
});
