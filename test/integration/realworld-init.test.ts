import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo, tempDir, type Files } from '../helpers/repo.js';
import { fileTarball } from '../helpers/tarball.js';

// `nixtag init` on models of public repositories laid out differently (see each folder's
// SOURCE.md), evaluated against a stand-in for <nixpkgs> (the real one cannot be fetched here)
// served as the pin. What init must propose is in each folder's nixtag-expected.json, written
// from the repository's CI files and README before init ran on it: the entries it activates,
// exactly, so that an image tied by a coincidence of names fails here.
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const root = path.join(fixtures, 'realworld-init');

interface Entry {
  nix: string;
  repository: string;
  tagFrom?: string;
}

interface Expected {
  source: { repository: string; commit: string };
  active: Entry[];
  neverActive: string[];
}

function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const relative = prefix ? `${prefix}/${name}` : name;
    return statSync(path.join(dir, name)).isDirectory() ? files(path.join(dir, name), relative) : [relative];
  });
}

const NOT_COPIED = new Set(['SOURCE.md', 'nixtag-expected.json']);

/** The stand-in with nixpkgs' real lib beside it, as a pinned file:// tarball (in the test's temporary directory). */
function standInPin(): string {
  const standIn = path.join(tempDir(), 'nixpkgs');
  cpSync(path.join(root, 'nixpkgs'), standIn, { recursive: true });
  mkdirSync(path.join(standIn, 'lib'));
  cpSync(path.join(fixtures, 'nixpkgs-lib/lib'), path.join(standIn, 'lib'), { recursive: true });
  const { url, sha256 } = fileTarball('nixpkgs', {}, standIn);
  return JSON.stringify({ url, sha256 });
}

describe('nixtag init on public repositories: no image is tied to an expression that does not build it', () => {
  const repositories = readdirSync(root).filter((name) => existsSync(path.join(root, name, 'nixtag-expected.json')));

  it('has at least five of them, laid out differently', () => {
    expect(repositories.sort()).toEqual([
      'blumeops',
      'devops-core-course',
      'loqc',
      'nix-to-kubernetes',
      'poc-tekton',
      'secret-operator',
    ]);
  });

  for (const name of repositories) {
    it(`${name}: activates exactly the images written down, and fix changes nothing else`, async () => {
      const dir = path.join(root, name);
      const expected = JSON.parse(readFileSync(path.join(dir, 'nixtag-expected.json'), 'utf8')) as Expected;
      const copied: Files = {};
      for (const file of files(dir))
        if (!NOT_COPIED.has(file)) copied[file] = readFileSync(path.join(dir, file), 'utf8');
      const repo = gitRepo({
        ...copied,
        '.nixpkgs-pin.json': standInPin(),
      });

      const printed = await nixtag(repo.dir, ['init']);
      expect(printed.code, printed.stderr).toBe(0);
      const proposed = (parse(printed.stdout) as { images: Array<Entry & { name: string }> }).images;
      expect(
        proposed.map(({ nix, repository, tagFrom }) => ({ nix, repository, ...(tagFrom ? { tagFrom } : {}) })),
      ).toEqual(expected.active);
      for (const foreign of expected.neverActive)
        expect(proposed.map((image) => image.repository)).not.toContain(foreign);

      // What --write activates, fix may rewrite: only lines naming an activated repository.
      expect((await nixtag(repo.dir, ['init', '--write'])).code).toBe(0);
      expect(existsSync(path.join(repo.dir, '.nixtagrc.yaml'))).toBe(expected.active.length > 0);
      if (expected.active.length === 0) return;
      expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
      const names = expected.active.map((entry) => entry.repository.replace(/^docker\.io\//, ''));
      for (const [file, original] of Object.entries(copied)) {
        const before = original.split('\n');
        const after = repo.read(file).split('\n');
        expect(after.length, file).toBe(before.length);
        for (const [index, line] of after.entries())
          if (line !== before[index])
            expect(
              names.some((name) => line.includes(name)),
              `${file}:${index + 1}`,
            ).toBe(true);
      }
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    });
  }
});
