import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment } from '../helpers/expressions.js';
import { gitRepo, tempDir, writeFiles, type TestRepo } from '../helpers/repo.js';

const image = `{ system ? builtins.currentSystem }:
derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo \${builtins.readFile ./data.txt} > $out" ]; }
`;

/** Every command a user runs, as `[args, what it is]`; each answer must equal the uncached one. */
const COMMANDS = [['check'], ['check', '--staged'], ['hash'], ['check', 'k8s/app.yaml']];

/** What each command says with nothing remembered: the reference answer. */
async function answers(repo: TestRepo, extra: string[] = []) {
  const result: string[] = [];
  for (const args of COMMANDS) {
    const run = await nixtag(repo.dir, [...args, ...extra]);
    result.push(`${args.join(' ')} -> ${run.code}\n${run.stdout}${run.stderr}`);
  }
  return result;
}

/**
 * nixtag's state under `.git/nixtag` names trees and blobs that nothing else in the repository
 * reaches: `git gc` prunes them, and a copied or moved repository keeps the state. Every command
 * then answers as it would with nothing remembered (the state heals), never `bad object`.
 */
describe('state that no longer matches its repository', () => {
  async function used(): Promise<TestRepo> {
    const repo = gitRepo({
      'default.nix': image,
      'data.txt': 'one\n',
      '.nixtagrc.yaml': 'images:\n  - name: app\n    nix: default.nix\n    repository: registry.example.com/team/app\n',
      'k8s/app.yaml': deployment('registry.example.com/team/app:v1'),
    });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('current tags');
    // States nothing else reaches: a staged edit and a work-tree edit, each judged, then undone.
    repo.write({ 'data.txt': 'two\n' });
    repo.git('add', 'data.txt');
    repo.write({ 'data.txt': 'three\n', 'README.md': 'text\n' });
    await answers(repo);
    repo.git('reset', '--quiet', '--hard');
    return repo;
  }

  it('after git gc prunes every tree nixtag wrote', async () => {
    const repo = await used();
    repo.git('-c', 'gc.reflogExpire=now', '-c', 'gc.pruneExpire=now', 'gc', '--quiet', '--prune=now');
    repo.write({ 'data.txt': 'four\n' });
    repo.git('add', 'data.txt');
    repo.write({ 'data.txt': 'five\n' });
    const cached = await answers(repo);
    expect(cached.join('\n')).not.toMatch(/bad object|GIT_FAILED/);
    expect(cached).toEqual(await answers(repo, ['--no-cache']));
    expect(cached[0]).toMatch(/^check -> 1\n/);
  });

  it('copied with cp -r, then the original removed', async () => {
    const repo = await used();
    const copy = path.join(tempDir('copy-'), 'app');
    cpSync(repo.dir, copy, { recursive: true });
    rmSync(repo.dir, { recursive: true, force: true });
    const moved: TestRepo = { ...repo, dir: copy, write: (files) => writeFiles(copy, files) };
    moved.write({ 'data.txt': 'six\n' });
    const cached = await answers(moved);
    expect(cached.join('\n')).not.toMatch(/bad object|GIT_FAILED/);
    expect(cached).toEqual(await answers(moved, ['--no-cache']));
  });
});
