import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { hookEnv, NPM_ENV } from '../helpers/hooks.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const env = hookEnv(NPM_ENV);

function run(cwd: string, command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A user's repository with a package.json, nixtag installed by `npm install --save-dev <what>`, then used. */
function installAndUse(what: string): void {
  const repo = gitRepo({
    'package.json': '{ "name": "user-app", "private": true }\n',
    '.gitignore': 'node_modules\n',
    'default.nix': plainImage,
    'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
  });
  // With the system's Node older than 22, as the README says: a Node of the repository's own.
  const installed = run(repo.dir, 'npm', ['install', '--save-dev', what, 'node@22']);
  expect(installed.stderr).not.toMatch(/ERR!/);
  expect(installed.code).toBe(0);
  expect(run(repo.dir, 'npx', ['nixtag', '--version']).stdout).toMatch(/^nixtag\/\d/);
  const check = run(repo.dir, 'npx', ['nixtag', 'check']);
  expect(check.stdout).toContain('stale reference');
  expect(check.code).toBe(1);
  // Node 22's require(esm) and import both load the library.
  const loaded = run(repo.dir, process.execPath, [
    '-e',
    "const a = require('nixtag'); import('nixtag').then((b) => console.log(typeof a.check, typeof b.check))",
  ]);
  expect(loaded.stdout.trim()).toBe('function function');
}

describe('install paths that work without a registry', () => {
  it('from a tarball (npm pack): LICENSE shipped, no source maps without their sources', () => {
    // Packed once per run (test/helpers/packSetup.ts).
    const tarball = inject('nixtagTarball');
    expect(tarball.files).toContain('LICENSE');
    expect(tarball.files).toContain('dist/cli/bin.js');
    expect(tarball.files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(readdirSync(path.dirname(tarball.file))).toEqual([path.basename(tarball.file)]);
    installAndUse(tarball.file);
  }, 600_000);

  it('from a git checkout (npm runs prepare, which builds it)', () => {
    const checkout = path.join(tempDir('checkout-'), 'nixtag');
    execFileSync('git', ['clone', '--quiet', ROOT, checkout], { env });
    installAndUse(`git+file://${checkout}`);
  }, 600_000);
});
