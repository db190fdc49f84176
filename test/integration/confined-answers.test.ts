import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, hash, type NixtagError } from '../../src/index.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { nixVariants, withNix } from '../helpers/nix.js';
import { gitRepo, n2k8sTag } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

/**
 * Confinement (restrict-eval) answers `builtins.pathExists` of a place outside the repository
 * `false` without an error, on 2.8 and 2.26 alike, where CI's plain nix-instantiate looks at its
 * file system (adversarial round 11, F3). No tag computed so can be called up to date: the image
 * is refused (NIX_CONFINED_ANSWER, at the line that asks); questions about the repository's own
 * files are answered as CI answers them and judged as before.
 */

const REPO = 'registry.example/app';
const config = `images:\n  - name: app\n    repository: ${REPO}\n    manifests: [k8s/app.yaml]\n`;

/** An image whose builder depends on `question` (Nix text, a bool), as F3's repro has it. */
const image = (question: string) => `{ system ? builtins.currentSystem }:
let builder = if (${question}) then "/bin/bash" else "/bin/sh"; in
derivation { name = "docker-image-app.tar.gz"; inherit system builder; args = [ "-c" "echo image > $out" ]; }
`;

/** A repository whose manifest holds CI's own tag for `question`, and that tag. */
function repoAsking(question: string, env: Record<string, string>, extraConfig = '') {
  const repo = gitRepo({
    'default.nix': image(question),
    'inside.txt': 'x\n',
    '.nixtagrc.yaml': config + extraConfig,
    'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
  });
  const tag = n2k8sTag(freshClone(repo.dir), env);
  expect(tag).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
  repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${tag}`) });
  repo.commit("CI's tag");
  return { repo, tag };
}

/** The error a run throws; a run that answers is a failure of the test. */
async function refused(run: Promise<unknown>): Promise<NixtagError> {
  return run.then(
    (result) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
    },
    (error: unknown) => error as NixtagError,
  );
}

describe.each(nixVariants())('a question confinement answers otherwise than CI ($name)', ({ name, env }) => {
  it('refuses `pathExists /bin/bash` and its spellings, naming the line, in CI mode too', async () => {
    for (const question of [
      'builtins.pathExists /bin/bash',
      'builtins.pathExists "/bin/bash"',
      'with builtins; pathExists /bin/bash',
      '__pathExists /bin/.',
      'builtins.pathExists ~/.',
    ]) {
      const { repo } = repoAsking(question, env);
      const error = await withNix(env, () => refused(check({ cwd: repo.dir })));
      expect([question, error]).toMatchObject([
        question,
        { code: 'NIX_CONFINED_ANSWER', location: { file: 'default.nix', line: 2 } },
      ]);
      expect(error.message).toMatch(/default\.nix:2 asks `pathExists` about .* outside the repository/);
      expect(error.hint).toContain('`evaluation.restrictEval: false`');
      const ci = await withNix(env, () =>
        refused(check({ cwd: repo.dir, confinement: { ci: true, allowedUris: [], insecureRegistries: [] } })),
      );
      expect(ci).toMatchObject({ code: 'NIX_CONFINED_ANSWER' });
      expect(ci.hint).not.toContain('restrictEval: false');
    }
  });

  it('refuses a computed place when the answer with the file system readable differs', async () => {
    for (const question of [
      'let p = "/bin" + "/bash"; in builtins.pathExists p',
      'builtins.pathExists (builtins.toPath "/bin/bash")',
      'let f = p: builtins.pathExists p; in f /bin/bash',
      'builtins.any (x: x) (map builtins.pathExists [ /bin/bash ])',
      'builtins.getAttr "pathExists" builtins /bin/bash',
    ]) {
      const { repo } = repoAsking(question, env);
      const error = await withNix(env, () => refused(check({ cwd: repo.dir })));
      expect([question, error]).toMatchObject([question, { code: 'NIX_CONFINED_ANSWER' }]);
      expect(error.message).toMatch(/with this machine's answer it is [0-9a-z]{32}/);
    }
  });

  it("judges questions about the repository's own files, and computed ones answered alike", async () => {
    for (const question of [
      'builtins.pathExists ./inside.txt',
      'builtins.pathExists ./missing.txt',
      'builtins.pathExists (./. + "/inside.txt")',
      'let f = p: builtins.pathExists p; in f ./inside.txt',
      'let p = "/nonexistent-" + "nixtag"; in builtins.pathExists p',
      'builtins.pathExists /nix/store',
    ]) {
      const { repo, tag } = repoAsking(question, env);
      const result = await withNix(env, () => check({ cwd: repo.dir }));
      expect([question, result]).toMatchObject([question, { ok: true, references: [{ status: 'ok' }] }]);
      expect((await withNix(env, () => hash({ cwd: repo.dir }))).images[0]!.hash).toBe(tag);
    }
  });

  it('a question about a file of the repository that is a symlink out of it (2.8 answers `false`)', async () => {
    const { repo, tag } = repoAsking('builtins.pathExists ./link', env);
    symlinkSync('/bin/bash', path.join(repo.dir, 'link'));
    repo.commit('a link out');
    const ciTag = n2k8sTag(freshClone(repo.dir), env);
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${ciTag}`) });
    repo.commit("CI's tag with the link");
    expect(ciTag).not.toBe(tag);
    const answer = await withNix(env, () => check({ cwd: repo.dir })).catch((error: unknown) => error as NixtagError);
    // Never a verdict on another tag than CI's: judged right, or refused.
    if ('code' in answer) expect(answer).toMatchObject({ code: 'NIX_CONFINED_ANSWER' });
    else expect((await withNix(env, () => hash({ cwd: repo.dir }))).images[0]!.hash).toBe(ciTag);
    if (name === 'system Nix') expect(answer).toMatchObject({ code: 'NIX_CONFINED_ANSWER' });
  });

  it('a copy of a path that is a symlink of the tree: refused where confined Nix stores its target (2.8)', async () => {
    /** A repository whose image holds `value` (Nix text), its manifest CI's tag; and that tag. */
    const copying = (value: string, extraConfig = '') => {
      const repo = gitRepo({
        'default.nix': `derivation { name = "app"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];\n  v = ${value}; }\n`,
        'real/x.json': '{}\n',
        'file.txt': 'f\n',
        'dir/a.txt': 'a\n',
        '.nixtagrc.yaml': config + extraConfig,
        'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      });
      symlinkSync('real', path.join(repo.dir, 'cfg'));
      symlinkSync('file.txt', path.join(repo.dir, 'flink'));
      symlinkSync('../real', path.join(repo.dir, 'dir/inner'));
      repo.commit('links');
      const ciTag = n2k8sTag(freshClone(repo.dir), env);
      expect(ciTag).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
      repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${ciTag}`) });
      repo.commit("CI's tag");
      return { repo, ciTag };
    };
    for (const value of [
      '"${./cfg}"',
      '"${./flink}"',
      'builtins.path { path = ./cfg; name = "source"; }',
      'builtins.filterSource (p: t: true) ./flink',
      './cfg',
      '"${./. + "/cfg"}"',
    ]) {
      const { repo, ciTag } = copying(value);
      if (name === 'system Nix') {
        const error = await withNix(env, () => refused(check({ cwd: repo.dir })));
        expect([value, error.code]).toEqual([value, 'NIX_CONFINED_ANSWER']);
        expect(error.message).toMatch(
          /default\.nix:2 may copy .* to the store, and the tree's (cfg|flink) is a symlink/,
        );
        expect(error.location).toMatchObject({ file: 'default.nix', line: 2 });
        expect(error.hint).toContain('evaluation.restrictEval: false');
        // Unconfined, this machine's nix-instantiate is CI's.
        const open = copying(value, 'evaluation:\n  restrictEval: false\n');
        expect((await withNix(env, () => hash({ cwd: open.repo.dir }))).images[0]!.hash).toBe(open.ciTag);
      } else {
        expect([value, await withNix(env, () => check({ cwd: repo.dir }))]).toMatchObject([value, { ok: true }]);
        expect((await withNix(env, () => hash({ cwd: repo.dir }))).images[0]!.hash).toBe(ciTag);
      }
    }
    // Copied alike by both: a link deeper in a copied directory, a path through one, a read through one.
    for (const value of ['"${./dir}"', '"${./cfg/x.json}"', 'builtins.readFile ./flink']) {
      const { repo, ciTag } = copying(value);
      expect([value, await withNix(env, () => check({ cwd: repo.dir }))]).toMatchObject([value, { ok: true }]);
      expect((await withNix(env, () => hash({ cwd: repo.dir }))).images[0]!.hash).toBe(ciTag);
    }
  });

  it('unconfined (restrictEval: false), asks this machine as CI does', async () => {
    const { repo, tag } = repoAsking('builtins.pathExists /bin/bash', env, 'evaluation:\n  restrictEval: false\n');
    expect(await withNix(env, () => check({ cwd: repo.dir }))).toMatchObject({ ok: true });
    expect((await withNix(env, () => hash({ cwd: repo.dir }))).images[0]!.hash).toBe(tag);
  });
});
