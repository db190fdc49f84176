import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/index.js';
import { readMentionMemo } from '../../src/state/mentionMemo.js';
import { statePaths } from '../../src/state/paths.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo, type Files } from '../helpers/repo.js';

/**
 * The mention search remembers its last answer and searches only the files changed since: what
 * it finds must be what searching every file finds.
 */

const REPO = 'registry.example/app';
const config = `images:\n  - name: app\n    repository: ${REPO}\n    manifests: ["k8s/**"]\n`;

const mentions = (result: Awaited<ReturnType<typeof check>>) =>
  result.warnings.filter((warning) => warning.mention).map((warning) => `${warning.file}:${warning.line}`);

async function expectSameAsFullSearch(dir: string): Promise<string[]> {
  const remembered = mentions(await check({ cwd: dir, source: { kind: 'index' } }));
  const full = mentions(await check({ cwd: dir, source: { kind: 'index' }, cache: false }));
  expect(remembered).toEqual(full);
  return remembered;
}

/** A repository with one image, its manifest, and a document that mentions it (docs/a.md:1). */
const mentioningRepo = (more: Files = {}) =>
  gitRepo({
    'default.nix': plainImage,
    '.nixtagrc.yaml': config,
    'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    'docs/a.md': `Deploy ${REPO} by hand.\n`,
    ...more,
  });

describe('the mention search', () => {
  it('finds after each commit what a search of every file finds, searching only what changed', async () => {
    const repo = mentioningRepo({ 'docs/b.md': 'Nothing here.\n' });
    expect(await expectSameAsFullSearch(repo.dir)).toEqual(['docs/a.md:1']);

    repo.write({ 'docs/b.md': `Nothing here.\nOr ${REPO}:v1 here.\n`, 'docs/c.md': `${REPO}.\n` });
    repo.git('add', '--all');
    expect(await expectSameAsFullSearch(repo.dir)).toEqual(['docs/a.md:1', 'docs/b.md:2', 'docs/c.md:1']);

    repo.git('rm', '--quiet', 'docs/a.md');
    repo.write({ 'docs/c.md': 'Gone.\n' });
    repo.git('add', '--all');
    expect(await expectSameAsFullSearch(repo.dir)).toEqual(['docs/b.md:2']);
  });
});

describe("the mention search's memo", () => {
  it("is another build's only for that build: its lines are not taken", async () => {
    const repo = mentioningRepo();
    await check({ cwd: repo.dir, source: { kind: 'index' } });
    const gitDir = path.join(repo.dir, '.git');
    const memo = readMentionMemo(gitDir)!;
    expect(memo.lines.map((line) => line.file)).toContain('docs/a.md');
    // As another build of the same version left it: it searched otherwise, and found another line.
    const file = statePaths(gitDir).mentions;
    const written = JSON.parse(readFileSync(file, 'utf8')) as { build: string };
    writeFileSync(
      file,
      JSON.stringify({ ...written, build: 'another', lines: [{ file: 'docs/a.md', line: 7, text: REPO }] }),
    );
    expect(readMentionMemo(gitDir)).toBeUndefined();
    expect(await expectSameAsFullSearch(repo.dir)).toEqual(['docs/a.md:1']);
  });
});
