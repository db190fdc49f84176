import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/index.js';
import { readMentionMemo } from '../../src/state/mentionMemo.js';
import { statePaths } from '../../src/state/paths.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo } from '../helpers/repo.js';

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

describe('the mention search', () => {
  it('finds after each commit what a search of every file finds, searching only what changed', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      'docs/a.env': `IMAGE=${REPO}\n`,
      'docs/b.env': 'NOTHING=here\n',
      // Prose is not where an image is deployed from: never searched, changed or not.
      'docs/README.md': `Deploy ${REPO} by hand.\n`,
    });
    expect(await expectSameAsFullSearch(repo.dir)).toEqual(['docs/a.env:1']);

    repo.write({
      'docs/b.env': `NOTHING=here\nOR=${REPO}:v1\n`,
      'docs/c.json': `{"image": "${REPO}"}\n`,
      'docs/README.md': `Deploy ${REPO} or ${REPO}:v2 by hand.\n`,
    });
    repo.git('add', '--all');
    expect(await expectSameAsFullSearch(repo.dir)).toEqual(['docs/a.env:1', 'docs/b.env:2', 'docs/c.json:1']);

    repo.git('rm', '--quiet', 'docs/a.env');
    repo.write({ 'docs/c.json': '{}\n' });
    repo.git('add', '--all');
    expect(await expectSameAsFullSearch(repo.dir)).toEqual(['docs/b.env:2']);
  });

  it('does not answer from a search that looked for other spellings or in other places', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      'docs/a.env': `IMAGE=${REPO}\n`,
    });
    const gitDir = path.join(repo.dir, '.git');
    const memoFile = statePaths(gitDir).mentions;
    expect(mentions(await check({ cwd: repo.dir, source: { kind: 'index' } }))).toEqual(['docs/a.env:1']);
    const memo = JSON.parse(readFileSync(memoFile, 'utf8')) as { places: string[]; needles: string[] };
    // The same tree, with an empty answer kept under another key: the search must be made again.
    for (const other of [
      { ...memo, needles: ['registry.example/other'], lines: [] },
      { ...memo, places: ['*.md'], lines: [] },
      { tree: (memo as unknown as { tree: string }).tree, needles: memo.needles, lines: [] },
    ]) {
      writeFileSync(memoFile, JSON.stringify(other));
      expect(mentions(await check({ cwd: repo.dir, source: { kind: 'index' } }))).toEqual(['docs/a.env:1']);
    }
    // Kept under the same key, the answer is used as it is (this is what makes the test above fail
    // without the key).
    writeFileSync(memoFile, JSON.stringify({ ...memo, lines: [] }));
    expect(mentions(await check({ cwd: repo.dir, source: { kind: 'index' } }))).toEqual([]);
  });

  it("is another build's only for that build: its lines are not taken", async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      'docs/a.env': `IMAGE=${REPO}\n`,
    });
    await check({ cwd: repo.dir, source: { kind: 'index' } });
    const gitDir = path.join(repo.dir, '.git');
    const memo = readMentionMemo(gitDir)!;
    expect(memo.lines.map((line) => line.file)).toContain('docs/a.env');
    // As another build of the same version left it: it searched otherwise, and found another line.
    const file = statePaths(gitDir).mentions;
    const written = JSON.parse(readFileSync(file, 'utf8')) as { build: string };
    writeFileSync(
      file,
      JSON.stringify({ ...written, build: 'another', lines: [{ file: 'docs/a.env', line: 7, text: REPO }] }),
    );
    expect(readMentionMemo(gitDir)).toBeUndefined();
    expect(await expectSameAsFullSearch(repo.dir)).toEqual(['docs/a.env:1']);
  });
});
