import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STALE } from '../helpers/expressions.js';
import { appImage, hookEnv, manifest, NPM_ENV } from '../helpers/hooks.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A program run without blocking this process: the two cases below run at the same time. */
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

/**
 * The pre-commit framework (Debian's package; .ci/run installs it) installs nixtag as a
 * `language: node` hook from a git checkout of this repository at its HEAD commit: cloned, built
 * by npm's `prepare`, packed and installed, exactly as a user's `.pre-commit-config.yaml` would.
 */
describe.concurrent('the pre-commit framework', () => {
  // With `node` alone the shim runs Debian's /usr/bin/nodejs (Node 20): nixtag hands over to the
  // Node >= 22 that is `node` on PATH.
  it.each([
    ['node and nodejs are Node >= 22', ['node', 'nodejs']],
    ['only node is, nodejs is Debian’s Node 20', ['node']],
  ])(
    'installs nixtag from a git checkout and judges commits and pushes: %s',
    async (_case, names) => {
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
      const repo = gitRepo({
        'default.nix': appImage,
        'app/main.go': 'package main\n',
        'k8s/deployment.yaml': manifest(STALE),
      });
      // nodeenv's `system` Node is the first of `nodejs`, `node` on PATH.
      const nodeBin = path.join(tempDir('node-'), 'bin');
      mkdirSync(nodeBin);
      for (const name of names) symlinkSync(process.execPath, path.join(nodeBin, name));
      const env = hookEnv({
        PATH: `${nodeBin}:${process.env.PATH}`,
        PRE_COMMIT_HOME: path.join(tempDir('pre-commit-'), 'home'),
        PRE_COMMIT_COLOR: 'never',
        ...NPM_ENV,
      });
      const git = (args: string[]) => run('git', args, { cwd: repo.dir, env });
      const tag = JSON.parse(
        execFileSync(process.execPath, [path.join(ROOT, 'dist/cli/bin.js'), 'hash', '--json'], {
          cwd: repo.dir,
          env,
          encoding: 'utf8',
        }),
      ).images[0].hash as string;
      repo.write({
        '.pre-commit-config.yaml': `repos:
  - repo: ${ROOT}
    rev: ${head}
    hooks:
      - id: nixtag
      - id: nixtag-pre-push
`,
      });
      repo.git('add', '.pre-commit-config.yaml');
      const remote = path.join(tempDir('remote-'), 'remote.git');
      execFileSync('git', ['init', '--quiet', '--bare', remote]);
      repo.git('remote', 'add', 'origin', remote);
      const install = await run(
        'pre-commit',
        [
          'install',
          '--install-hooks',
          '--hook-type',
          'pre-commit',
          '--hook-type',
          'pre-merge-commit',
          '--hook-type',
          'pre-push',
        ],
        { cwd: repo.dir, env },
      );
      expect(install.stderr + install.stdout).not.toMatch(/error/i);
      expect(install.status).toBe(0);

      repo.write({ 'app/main.go': 'package main // v2\n' });
      repo.git('add', 'app/main.go');
      const refused = await git(['commit', '-m', 'stale']);
      expect(refused.status).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain('stale reference');

      repo.write({ 'k8s/deployment.yaml': manifest(tag), 'app/main.go': 'package main\n' });
      repo.git('add', '--all');
      const accepted = await git(['commit', '-m', 'fresh']);
      expect(accepted.stdout + accepted.stderr).toContain('nixtag');
      expect(accepted.status).toBe(0);
      expect((await git(['push', '--quiet', 'origin', 'main'])).status).toBe(0);

      // A merge git records itself runs pre-merge-commit: a stale branch (committed without
      // hooks) merged into an up-to-date main is refused.
      expect((await git(['checkout', '--quiet', '-b', 'side'])).status).toBe(0);
      repo.write({ 'app/main.go': 'package main // side\n' });
      repo.git('add', 'app/main.go');
      expect((await git(['commit', '--no-verify', '-m', 'stale side'])).status).toBe(0);
      expect((await git(['checkout', '--quiet', 'main'])).status).toBe(0);
      repo.write({ 'README.md': 'notes\n' });
      repo.git('add', 'README.md');
      expect((await git(['commit', '-m', 'notes'])).status).toBe(0);
      const merge = await git(['merge', '--no-edit', 'side']);
      expect(merge.status).not.toBe(0);
      expect(merge.stdout + merge.stderr).toContain('stale reference');
      expect((await git(['merge', '--abort'])).status).toBe(0);

      repo.write({ 'app/main.go': 'package main // v3\n' });
      repo.git('add', 'app/main.go');
      expect((await git(['commit', '--no-verify', '-m', 'stale, unverified'])).status).toBe(0);
      const push = await git(['push', 'origin', 'main']);
      expect(push.status).not.toBe(0);
      expect(push.stdout + push.stderr).toContain('stale reference');
    },
    600_000,
  );
});
