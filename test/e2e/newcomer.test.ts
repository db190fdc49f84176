import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { deployment } from '../helpers/expressions.js';
import { appImage, hookEnv, NPM_ENV } from '../helpers/hooks.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The shell block that follows `<!-- newcomer:NAME -->` in README.md, exactly as written there. */
function readmeBlock(name: string): string {
  const block = new RegExp(`<!-- newcomer:${name} -->\\n+\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\n`).exec(README);
  if (block === null) throw new Error(`README.md has no newcomer:${name} block`);
  return block[1]!;
}

// The README's NIXTAG: the tarball `npm pack` made of this checkout, once per run (test/helpers/packSetup.ts).
const tarball = inject('nixtagTarball').file;

/**
 * A newcomer's repository: an image built from app/, a deployment tagged v1.0.0 (not a Nix hash
 * yet), and the README's commands run as written: the setup, one hook manager's section, the finish.
 * Then a stale commit is refused and a fixed one accepted.
 */
async function followReadme(manager: string): Promise<void> {
  const repo = gitRepo({
    'default.nix': appImage,
    'app/main.go': 'package main\n',
    'k8s/deployment.yaml': deployment('registry.example.com/team/app:v1.0.0'),
  });
  const env = hookEnv({
    NIXTAG: tarball,
    PRE_COMMIT_HOME: path.join(tempDir('pre-commit-'), 'home'),
    PRE_COMMIT_COLOR: 'never',
    ...NPM_ENV,
  });
  const sh = (script: string) =>
    new Promise<{ code: number; output: string }>((resolve) => {
      const child = spawn('sh', ['-e', '-c', script], { cwd: repo.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('close', (code) => resolve({ code: code ?? -1, output }));
    });
  // The newcomer's Node is the system's, not the one running these tests.
  const systemNode = await sh('node -p process.execPath');
  expect(systemNode.output.trim()).not.toBe(process.execPath);
  for (const name of ['setup', manager, 'finish']) {
    const step = await sh(readmeBlock(name));
    expect(step.output, `README block ${name}`).not.toMatch(/command not found|ERR!/);
    expect(step.code, `README block ${name}:\n${step.output}`).toBe(0);
  }
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
