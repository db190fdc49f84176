import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, fix, hash, NixtagError } from '../../src/index.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { until } from '../helpers/pause.js';
import { gitRepo } from '../helpers/repo.js';

const REPO = 'registry.example:5000/team/app';

/** Positions where two equally long strings differ. */
function changedSpans(before: string, after: string): Array<[number, number]> {
  expect(after.length).toBe(before.length);
  const spans: Array<[number, number]> = [];
  for (let index = 0; index < before.length; index++) {
    if (before[index] === after[index]) continue;
    const last = spans.at(-1);
    if (last && last[1] === index) last[1] = index + 1;
    else spans.push([index, index + 1]);
  }
  return spans;
}

async function expectedTag(dir: string): Promise<string> {
  return (await hash({ cwd: dir })).images[0]!.hash;
}

describe('check and fix on a working tree', () => {
  it('finds a stale tag, fixes only its characters, then passes', async () => {
    const manifest = `# deployed by CI\n${deployment(`${REPO}:${STALE}`)}`;
    const repo = gitRepo({ 'default.nix': plainImage, 'k8s/deployment.yaml': manifest });
    const tag = await expectedTag(repo.dir);

    const stale = await check({ cwd: repo.dir });
    expect(stale.ok).toBe(false);
    expect(stale.references).toEqual([
      {
        file: 'k8s/deployment.yaml',
        line: 11,
        column: 18,
        image: 'app',
        current: `${REPO}:${STALE}`,
        expected: `${REPO}:${tag}`,
        status: 'stale',
      },
    ]);
    expect(manifest.split('\n')[10]!.slice(17)).toBe(`${REPO}:${STALE}`);

    const fixed = await fix({ cwd: repo.dir });
    expect(fixed.ok).toBe(true);
    expect(fixed.references[0]!.status).toBe('fixed');
    const after = repo.read('k8s/deployment.yaml');
    const tagStart = manifest.indexOf(STALE);
    for (const [start, end] of changedSpans(manifest, after)) {
      expect(start).toBeGreaterThanOrEqual(tagStart);
      expect(end).toBeLessThanOrEqual(tagStart + 32);
    }
    expect(after).toBe(manifest.replace(STALE, tag));

    const clean = await check({ cwd: repo.dir });
    expect(clean.ok).toBe(true);
    expect(clean.references[0]!.status).toBe('ok');
  });

  it('sees an edit of the same size made in the second the file was staged (racily clean)', async () => {
    const versioned = (version: string) =>
      `derivation { name = "app"; system = builtins.currentSystem;
  builder = "/bin/sh"; version = import ./version.nix; }
`.replace('import ./version.nix', version);
    const repo = gitRepo({ 'default.nix': versioned('import ./version.nix'), 'version.nix': '"1"\n' });
    const expected = (await hash({ cwd: repo.dir, cache: false })).images[0]!.hash;
    const index = path.join(repo.dir, '.git', 'index');
    // Stage "2" and write "3" (the same size) within one second of the index, as a fast edit would.
    const second = (file: string) => Math.floor(statSync(file).mtimeMs / 1000);
    for (;;) {
      writeFileSync(path.join(repo.dir, 'version.nix'), '"2"\n');
      repo.git('add', 'version.nix');
      writeFileSync(path.join(repo.dir, 'version.nix'), '"3"\n');
      if (second(index) === second(path.join(repo.dir, 'version.nix'))) break;
    }
    // nixtag's own copy of the index is written in a later second than the edit.
    await until(() => Date.now() / 1000 >= second(index) + 1, 'the clock passes the index second');
    const tag = async () => (await hash({ cwd: repo.dir, cache: false })).images[0]!.hash;
    const three = gitRepo({ 'default.nix': versioned('"3"') });
    expect(await tag()).toBe((await hash({ cwd: three.dir, cache: false })).images[0]!.hash);
    expect(await tag()).not.toBe(expected);
  });

  it('judges tracked files only: an untracked manifest is not read', async () => {
    const repo = gitRepo({ 'default.nix': plainImage, 'k8s/a.yaml': deployment(`${REPO}:${STALE}`) });
    const tag = await expectedTag(repo.dir);
    repo.write({ 'k8s/a.yaml': deployment(`${REPO}:${tag}`), 'k8s/untracked.yaml': deployment(`${REPO}:${STALE}`) });
    const result = await check({ cwd: repo.dir });
    expect(result.ok).toBe(true);
    expect(result.references.map((reference) => reference.file)).toEqual(['k8s/a.yaml']);
  });

  it('reports references to other images as unmanaged, and leaves them alone', async () => {
    const manifest = deployment(`${REPO}:${STALE}`) + '        - name: sidecar\n          image: nginx:1.27\n';
    const repo = gitRepo({ 'default.nix': plainImage, 'k8s/deployment.yaml': manifest });
    const result = await fix({ cwd: repo.dir });
    expect(result.references.map((reference) => [reference.current.split(':')[0], reference.status])).toEqual([
      [REPO.split(':')[0], 'fixed'],
      ['nginx', 'unmanaged'],
    ]);
    expect(repo.read('k8s/deployment.yaml')).toContain('image: nginx:1.27\n');
  });

  it('without configuration, refuses to guess between two hash-tagged repositories', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'a.yaml': deployment(`one.example/a:${STALE}`),
      'b.yaml': deployment(`two.example/b:${STALE}`),
    });
    const error = await check({ cwd: repo.dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NixtagError);
    expect((error as NixtagError).code).toBe('CONFIG_AMBIGUOUS');
    expect((error as NixtagError).kind).toBe('input');
    // What to run, not a configuration naming an expression the repository may not have.
    expect((error as NixtagError).hint).toMatch(/Run `(npx )?nixtag init`/);
    expect((error as NixtagError).hint).not.toContain('default.nix');
  });

  it('names the key path of an invalid configuration', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': 'images:\n  - name: app\n    repository: "registry.example/app:latest"\n    tagFrom: digest\n',
    });
    const error = (await check({ cwd: repo.dir }).catch((caught: unknown) => caught)) as NixtagError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.location?.file).toBe('.nixtagrc.yaml');
    expect(error.detail).toMatch(/images\[0\]\.repository: a registry\/name without tag or digest/);
    expect(error.detail).toMatch(/images\[0\]\.tagFrom: /);
  });

  it("passes Nix's own message on when evaluation fails", async () => {
    const repo = gitRepo({
      'default.nix': 'derivation { name = "app"; system = builtins.currentSystem; builder = undefinedVariable; }\n',
      'k8s/deployment.yaml': deployment(`${REPO}:${STALE}`),
    });
    const error = (await check({ cwd: repo.dir }).catch((caught: unknown) => caught)) as NixtagError;
    expect(error.code).toBe('NIX_EVAL_FAILED');
    expect(error.kind).toBe('tool');
    expect(error.detail).toContain("undefined variable 'undefinedVariable'");
  });

  it('refuses an expression that is not one derivation', async () => {
    const repo = gitRepo({
      'default.nix': `let image = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };
in { a = image "a"; b = image "b"; }`,
      'k8s/deployment.yaml': deployment(`${REPO}:${STALE}`),
    });
    const error = (await check({ cwd: repo.dir }).catch((caught: unknown) => caught)) as NixtagError;
    expect(error.code).toBe('NIX_NOT_A_DERIVATION');
    expect(error.hint).toContain('attr');
  });

  it('refuses tagFrom: imageTag when the image’s imageTag is not a Nix hash (tag = "latest")', async () => {
    const repo = gitRepo({
      'default.nix': `(derivation { name = "stream-app"; system = "x86_64-linux"; builder = "/bin/sh"; }) // { imageTag = "latest"; }`,
      '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REPO}\n    tagFrom: imageTag\n`,
      'k8s/deployment.yaml': deployment(`${REPO}:${STALE}`),
    });
    const error = (await check({ cwd: repo.dir }).catch((caught: unknown) => caught)) as NixtagError;
    expect(error.code).toBe('IMAGE_TAG_NOT_HASH');
    expect(error.kind).toBe('input');
    expect(error.hint).toContain('tagFrom: outPath');
  });

  it('narrows to the given paths: an unrelated path outside the image directory costs nothing', async () => {
    const repo = gitRepo({
      'images/app/default.nix': plainImage,
      'docs/readme.md': 'docs\n',
      'k8s/deployment.yaml': deployment(`${REPO}:${STALE}`),
      '.nixtagrc.yaml': `images:\n  - name: app\n    nix: images/app/default.nix\n    repository: ${REPO}\n`,
    });
    const skipped = await check({ cwd: repo.dir, paths: ['docs/readme.md'] });
    expect(skipped).toMatchObject({ ok: true, skipped: true, references: [] });
    const relevant = await check({ cwd: repo.dir, paths: [`${repo.dir}/k8s/deployment.yaml`] });
    expect(relevant.ok).toBe(false);
    const missing = (await check({ cwd: repo.dir, paths: ['nope.yaml'] }).catch(
      (caught: unknown) => caught,
    )) as NixtagError;
    expect(missing.code).toBe('PATH_NOT_FOUND');
  });
});
