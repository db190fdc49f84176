import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, hash } from '../../src/index.js';
import { deployment } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo, n2k8sTag, tempDir, type TestRepo } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

/**
 * `builtins.path { path = ./app; sha256 = …; }` (adv13 F23): Nix 2.8 and 2.26 return the hash's
 * store path unread when the store holds it, so `./app` changed with its hash kept evaluates here
 * (the store has the old copy) where CI's empty store hashes the files and fails. nixtag hashes the
 * tree's files itself (this file runs on Nix 2.8 and 2.26). The hashes here are Nix's own
 * (`nix-hash`), the oracle n2k8s's command in a fresh clone, with an empty store where it fails.
 */

const REPO = 'registry.example/app';
const config = `images:\n  - name: app\n    repository: ${REPO}\n    manifests: [k8s/app.yaml]\n`;

/** The image copying `copy` (a `builtins.path` argument set without its braces). */
const image = (copy: string) => `derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  src = builtins.path { ${copy} };
}
`;

/** Nix's sha256 of `file` in the repository: its NAR's, or its bytes' with `flat`. */
function nixHash(repo: TestRepo, file: string, flat = false, base16 = false): string {
  const args = [
    '--type',
    'sha256',
    ...(base16 ? [] : ['--base32']),
    ...(flat ? ['--flat'] : []),
    path.join(repo.dir, file),
  ];
  return execFileSync('nix-hash', args, { encoding: 'utf8' }).trim();
}

/** CI's tag with an empty store: n2k8s's command in a fresh clone. */
function emptyStoreTag(repo: TestRepo): string {
  const store = path.join(tempDir('store-'), 'store');
  mkdirSync(store);
  return n2k8sTag(freshClone(repo.dir), {}, `--store ${store}`);
}

/** A repository whose manifest holds the tag nixtag computes, checked once (the copy then in this store). */
async function tagged(copy: (repo: TestRepo) => string, files: Record<string, string>): Promise<TestRepo> {
  const repo = gitRepo({ ...files, '.nixtagrc.yaml': config, 'k8s/app.yaml': deployment(`${REPO}:0`) });
  repo.write({ 'default.nix': image(copy(repo)) });
  repo.commit('the expression');
  const [own] = (await hash({ cwd: repo.dir })).images;
  repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${own!.hash}`) });
  repo.commit('the tag');
  expect(own!.hash).toBe(n2k8sTag(freshClone(repo.dir)));
  expect(await check({ cwd: repo.dir })).toMatchObject({ ok: true });
  return repo;
}

describe('builtins.path under a fixed sha256', () => {
  it('whose files changed with the hash kept is refused (PATH_HASH_MISMATCH), as CI with an empty store fails', async () => {
    const repo = await tagged((one) => `path = ./app; name = "source"; sha256 = "${nixHash(one, 'app')}";`, {
      'app/main.txt': 'hi\n',
    });
    repo.write({ 'app/main.txt': 'changed\n' });
    repo.commit('the app changed, its sha256 did not');
    expect(emptyStoreTag(repo)).toBe('');
    await expect(check({ cwd: repo.dir })).rejects.toMatchObject({ code: 'PATH_HASH_MISMATCH' });
    const cli = await nixtag(repo.dir, ['hook', 'pre-commit']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('PATH_HASH_MISMATCH');
    expect(cli.stderr).toContain(`got:       sha256:${nixHash(repo, 'app')}`);
  });

  it('judges a hash in any of the forms Nix takes (SRI, base16), and a flat copy of one file', async () => {
    const sri = (one: TestRepo) => `sha256-${Buffer.from(nixHash(one, 'app', false, true), 'hex').toString('base64')}`;
    await tagged((one) => `path = ./app; name = "source"; sha256 = "${sri(one)}";`, { 'app/main.txt': 'hi\n' });
    await tagged((one) => `path = ./app; name = "source"; sha256 = "${nixHash(one, 'app', false, true)}";`, {
      'app/main.txt': 'hi\n',
    });
    const flat = await tagged(
      (one) => `path = ./app.txt; name = "app"; recursive = false; sha256 = "${nixHash(one, 'app.txt', true)}";`,
      { 'app.txt': 'hi\n' },
    );
    flat.write({ 'app.txt': 'changed\n' });
    flat.commit('the file changed, its sha256 did not');
    expect(emptyStoreTag(flat)).toBe('');
    await expect(check({ cwd: flat.dir })).rejects.toMatchObject({ code: 'PATH_HASH_MISMATCH' });
  });

  it('that nixtag cannot hash from the text (a filter) is refused (PATH_HASH_UNCHECKED), never passed', async () => {
    const repo = gitRepo({ 'app/main.txt': 'hi\n', '.nixtagrc.yaml': config, 'k8s/app.yaml': deployment(`${REPO}:0`) });
    repo.write({
      'default.nix': image(`path = ./app; name = "source"; filter = p: t: true; sha256 = "${nixHash(repo, 'app')}";`),
    });
    repo.commit('a filtered copy under a fixed hash');
    await expect(hash({ cwd: repo.dir })).rejects.toMatchObject({ code: 'PATH_HASH_UNCHECKED' });
  });
});
