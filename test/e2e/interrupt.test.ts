import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo, testEnv } from '../helpers/repo.js';

const REPO = 'registry.example/app';
const FILES = 150;
/** A large manifest, so that writing all of them takes long enough to be interrupted. */
const manifest = (reference: string) => deployment(reference) + `# ${'padding '.repeat(8000)}\n`;

function setUp() {
  const files: Record<string, string> = {
    'default.nix': plainImage,
    '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REPO}\n`,
  };
  for (let index = 0; index < FILES; index++) files[`k8s/app-${index}.yaml`] = manifest(`${REPO}:${STALE}`);
  return gitRepo(files);
}

function interruptedFix(cwd: string, afterMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'fix'], { cwd, env: testEnv(), stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGINT'), afterMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('an interrupted fix', () => {
  it('leaves every manifest either as it was or fully rewritten, and no temporary file', async () => {
    const probe = setUp();
    const tag = JSON.parse(nixtagCli(probe.dir, ['hash', '--json']).stdout).images[0].hash as string;
    const before = manifest(`${REPO}:${STALE}`);
    const after = manifest(`${REPO}:${tag}`);
    const started = performance.now();
    expect(nixtagCli(probe.dir, ['fix']).code).toBe(0);
    const full = performance.now() - started;

    let mixed = 0;
    for (const fraction of [0.3, 0.5, 0.65, 0.8, 0.9, 0.97]) {
      const repo = setUp();
      await interruptedFix(repo.dir, full * fraction);
      const names = readdirSync(path.join(repo.dir, 'k8s'));
      expect(names.filter((name) => name.includes('.nixtag-'))).toEqual([]);
      expect(names).toHaveLength(FILES);
      const states = names.map((name) => {
        const text = readFileSync(path.join(repo.dir, 'k8s', name), 'utf8');
        expect([before, after]).toContain(text);
        return text === after;
      });
      if (states.includes(true) && states.includes(false)) mixed++;
    }
    // Informative: writes are synchronous, so an interrupt takes effect between whole files.
    console.info(`interrupted ${mixed} of 6 runs between writes (full fix: ${full.toFixed(0)} ms)`);
  });
});
