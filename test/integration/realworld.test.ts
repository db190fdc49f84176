import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { plainImage } from '../helpers/expressions.js';
import { gitRepo, type Files } from '../helpers/repo.js';

// Manifests copied from public repositories (see SOURCE.md and LICENSE in each), run through the
// CLI in-process (test/helpers/inProcess.ts) in a real git repository; test/e2e/realworld.test.ts
// runs one of them through the built CLI. What nixtag must say and write there is in each folder's
// nixtag-expected.json, written by hand before nixtag ran on the files.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/realworld');

interface Expected {
  image: { name: string; repository: string };
  /** `[file, line, text before, text after]`: the one change on that line; `{tag}` is the hash. */
  stale: Array<[string, number, string, string]>;
  /** `file:line` of every line naming the repository outside a managed reference. */
  mentions: string[];
}

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const relative = prefix ? `${prefix}/${name}` : name;
    return statSync(path.join(dir, name)).isDirectory() ? files(path.join(dir, name), relative) : [relative];
  });
}

const NOT_COPIED = new Set(['SOURCE.md', 'nixtag-expected.json']);

describe('public repositories through the CLI, in-process', () => {
  const repositories = readdirSync(root).filter((name) => existsSync(path.join(root, name, 'nixtag-expected.json')));

  it('has at least three of them', async () => {
    expect(repositories.sort()).toEqual([
      'elastic-helm-charts',
      'flux2-kustomize-helm-example',
      'microservices-demo',
      'podinfo',
    ]);
  });

  for (const name of repositories) {
    it(`${name}: reports exactly the stale references and mentions written down, and fixes only those bytes`, async () => {
      const dir = path.join(root, name);
      const expected = JSON.parse(readFileSync(path.join(dir, 'nixtag-expected.json'), 'utf8')) as Expected;
      const copied: Files = {};
      for (const file of files(dir))
        if (!NOT_COPIED.has(file)) copied[file] = readFileSync(path.join(dir, file), 'utf8');
      const { image } = expected;
      const repo = gitRepo({
        ...copied,
        'default.nix': plainImage,
        '.nixtagrc.yaml': `images:\n  - name: ${image.name}\n    nix: default.nix\n    repository: ${image.repository}\n`,
      });
      const tag = (await nixtag(repo.dir, ['hash'])).stdout.trim();

      const check = await nixtag(repo.dir, ['check', '--json']);
      expect(check.code).toBe(1);
      const result = JSON.parse(check.stdout) as {
        references: Array<{ file: string; line: number; status: string; image: string | null }>;
        warnings: Array<{ file: string; line: number; message: string }>;
      };
      const managed = result.references.filter((reference) => reference.status !== 'unmanaged');
      expect(managed.map(({ file, line, status }) => [file, line, status])).toEqual(
        expected.stale.map(([file, line]) => [file, line, 'stale']),
      );
      expect(result.warnings.map(({ file, line }) => `${file}:${line}`)).toEqual(expected.mentions);

      expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
      for (const [file, original] of Object.entries(copied)) {
        const lines = original.split('\n');
        for (const [staleFile, line, before, after] of expected.stale) {
          if (staleFile !== file) continue;
          expect(lines[line - 1]).toContain(before);
          lines[line - 1] = lines[line - 1]!.replace(before, after.replace('{tag}', tag));
        }
        expect(repo.read(file)).toBe(lines.join('\n'));
      }
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    });
  }
});
