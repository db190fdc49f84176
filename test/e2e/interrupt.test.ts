import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { processesMentioning, runCli } from '../helpers/faults.js';
import { pauses, until } from '../helpers/pause.js';
import { gitRepo } from '../helpers/repo.js';

const REPO = 'registry.example/app';
const FILES = 5;
const manifest = (reference: string) => deployment(reference) + `# ${'padding '.repeat(8000)}\n`;

function setUp() {
  const files: Record<string, string> = {
    'default.nix': plainImage,
    '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REPO}\n`,
  };
  for (let index = 0; index < FILES; index++) files[`k8s/app-${index}.yaml`] = manifest(`${REPO}:${STALE}`);
  return gitRepo(files);
}

/**
 * Ctrl-C (SIGINT) at a known place of a fix (src/testPause.ts): before any write nothing changes;
 * inside the rewrite, the rewrite finishes first (writes are never cut between files); either
 * way the run ends with the signal's status and leaves no temporary file and no Nix behind.
 */
describe('an interrupted fix', () => {
  it.each([
    ['while Nix evaluates: nothing is written', 'nix-running', 'before'],
    ['with the new contents being written: all of them are', 'manifest-temporary', 'after'],
    ['with one manifest renamed into place: all of them are', 'manifest-renamed', 'after'],
  ] as const)('%s', async (_when, point, expected) => {
    const repo = setUp();
    // Not remembered: the fix evaluates.
    const tag = JSON.parse(nixtagCli(repo.dir, ['hash', '--json', '--no-cache']).stdout).images[0].hash as string;
    const pause = pauses(point);
    const run = runCli(repo.dir, ['fix'], pause.env);
    const pid = await pause.reached(point, run);
    process.kill(pid, 'SIGINT');
    // Nix is awaited: the signal ends the run there. A rewrite is synchronous: the signal is
    // handled once it is done, so the rewrite must be let on.
    if (point !== 'nix-running') pause.go(point);
    const ended = await run;
    expect(ended.code, ended.stderr).toBe(130);
    const names = readdirSync(path.join(repo.dir, 'k8s'));
    expect(names.filter((name) => name.includes('.nixtag-'))).toEqual([]);
    expect(names).toHaveLength(FILES);
    const content = manifest(`${REPO}:${expected === 'after' ? tag : STALE}`);
    for (const name of names) expect(readFileSync(path.join(repo.dir, 'k8s', name), 'utf8')).toBe(content);
    await until(() => processesMentioning(repo.dir).length === 0, 'no process of the interrupted run is left');
  });
});
