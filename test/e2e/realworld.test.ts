import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { plainImage } from '../helpers/expressions.js';
import { gitRepo, type Files } from '../helpers/repo.js';

// Manifests copied from public repositories (see SOURCE.md and LICENSE in each), run through the
// built CLI in a real git repository: one of them here, all of them in-process in
// test/integration/realworld.test.ts. What nixtag must say and write there is in each folder's
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

describe('public repositories through the CLI', () => {
  for (const name of ['podinfo']) {
    it(`${name}: reports exactly the stale references and mentions written down, and fixes only those bytes`, () => {
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
      const tag = nixtagCli(repo.dir, ['hash']).stdout.trim();

      const check = nixtagCli(repo.dir, ['check', '--json']);
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

      expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
      for (const [file, original] of Object.entries(copied)) {
        const lines = original.split('\n');
        for (const [staleFile, line, before, after] of expected.stale) {
          if (staleFile !== file) continue;
          expect(lines[line - 1]).toContain(before);
          lines[line - 1] = lines[line - 1]!.replace(before, after.replace('{tag}', tag));
        }
        expect(repo.read(file)).toBe(lines.join('\n'));
      }
      expect(nixtagCli(repo.dir, ['check']).code).toBe(0);
    });
  }
});
