import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { runCli } from '../helpers/faults.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { listener } from '../helpers/listener.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

const REPO = 'registry.example/app';
const config = (extra = '') => `images:\n  - name: app\n    repository: ${REPO}\n${extra}`;
const image = (body: string) => `{ system ? builtins.currentSystem }:
derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; ${body} }
`;

/** The directories nixtag keeps state in under the repository's .git. */
const stateDirectories = (dir: string) =>
  readdirSync(path.join(dir, '.git')).filter((name) => name.startsWith('nixtag'));

describe('CI mode (--ci, or CI=true)', () => {
  it('refuses a configuration that is code before it runs (exit 2); outside CI mode it runs', () => {
    const marker = path.join(tempDir('marker-'), 'ran');
    const repo = gitRepo({
      'default.nix': plainImage,
      'nixtag.config.cjs': `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = { images: [{ name: 'app', repository: '${REPO}' }] };\n`,
    });
    for (const [args, env] of [
      [['hash', '--ci'], {}],
      [['hash'], { CI: 'true' }],
      [['check', '--ci'], {}],
      [['doctor', '--ci'], {}],
    ] as const) {
      const run = nixtagCli(repo.dir, [...args], env);
      expect(run.code, `${args.join(' ')} ${JSON.stringify(env)}`).toBe(2);
      expect(run.stderr).toContain('nixtag: error [CONFIG_IS_CODE]: nixtag.config.cjs is code');
      expect(run.stderr).toContain('.nixtagrc.yaml');
      expect(existsSync(marker)).toBe(false);
    }
    expect(nixtagCli(repo.dir, ['hash']).code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('keeps Nix confined whatever the configuration says; only --allow-uri allows a URL', async () => {
    const { port, requests } = await listener();
    const secret = path.join(tempDir('secret-'), 'token');
    writeFileSync(secret, 'hunter2');
    const loose = config(`evaluation:\n  restrictEval: false\n  allowedUris: ["http://127.0.0.1:${port}/"]\n`);
    const repo = gitRepo({ 'default.nix': image(`key = builtins.readFile ${secret};`), '.nixtagrc.yaml': loose });
    // The configuration opts out: outside CI mode the file is read.
    expect(nixtagCli(repo.dir, ['hash']).code).toBe(0);
    for (const args of [
      ['hash', '--ci'],
      ['hash', '--restrict-eval'],
    ]) {
      const run = nixtagCli(repo.dir, args);
      expect(run.code, args.join(' ')).toBe(3);
      expect(run.stderr).toContain('NIX_RESTRICTED');
      expect(run.stderr).toContain('Confinement is on from the command line (--ci or --restrict-eval)');
      expect(run.stderr).not.toContain('hunter2');
    }

    repo.write({ 'default.nix': image(`src = builtins.fetchurl "http://127.0.0.1:${port}/fetched";`) });
    repo.commit('a fetch the configuration allows');
    const refused = nixtagCli(repo.dir, ['hash', '--ci']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("may fetch only the pin's URL and the `--allow-uri` prefixes");
    expect(refused.stderr).toContain(`--allow-uri http://127.0.0.1:${port}/fetched`);
    expect(requests).toEqual([]);
    // In a process of its own: the listener answers from this one's event loop.
    const allowed = await runCli(repo.dir, ['hash', '--ci', '--allow-uri', `http://127.0.0.1:${port}/`]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(requests).toEqual(['/fetched']);
  });

  it('takes --allow-uri and --insecure-registry only for a confined run (exit 2 otherwise)', () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    for (const args of [
      ['hash', '--allow-uri', 'https://example.org/'],
      ['check', '--insecure-registry', 'registry.example:5000'],
    ]) {
      const run = nixtagCli(repo.dir, args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/is for a confined run: give it with --ci or --restrict-eval/);
    }
    const from = nixtagCli(repo.dir, ['check', '--from', 'findings.json']);
    expect(from.code).toBe(2);
    expect(from.stderr).toContain('it goes with --registry');
  });

  it('trusts nothing kept under .git/nixtag: a forged evaluation cache passes outside CI mode, never in it', () => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config() });
    const tag = nixtagCli(repo.dir, ['hash']).stdout.trim();
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${tag}`) });
    repo.commit('manifest');
    expect(nixtagCli(repo.dir, ['check']).code).toBe(0);

    // An earlier step of the pipeline, running the repository's code, rewrote the cache.
    const forged = '1'.repeat(32);
    // Its header's checksum guards against accidents, not against a writer: recomputed here.
    const cache = path.join(repo.dir, '.git/nixtag/cache/evaluations.json');
    const [head = '', body = ''] = readFileSync(cache, 'utf8').split('\n');
    const records = body.replaceAll(tag, forged);
    const sha256 = createHash('sha256').update(records).digest('hex');
    writeFileSync(cache, `${JSON.stringify({ ...(JSON.parse(head) as object), sha256 })}\n${records}`);
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${forged}`) });
    repo.commit('a tag CI never builds');
    expect(nixtagCli(repo.dir, ['check']).code).toBe(0); // the forged record answers outside CI mode

    const ci = nixtagCli(repo.dir, ['check', '--ci']);
    expect(ci.code).toBe(1);
    expect(ci.stdout).toContain(tag);
    // CI=true, too, even for the `check` the idle path would answer from the last judgement.
    expect(nixtagCli(repo.dir, ['check'], { CI: 'true' }).code).toBe(1);
    // Nothing of CI mode's own state stays, and what was there is left as it was.
    expect(stateDirectories(repo.dir)).toEqual(['nixtag']);
    expect(readFileSync(cache, 'utf8')).toContain(forged);
  });

  it('hands what it found to a step without the repository: check --findings, then check --registry --from', () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`${REPO}:${'0'.repeat(31)}a`),
    });
    const findings = path.join(tempDir('findings-'), 'findings.json');
    const evaluate = nixtagCli(repo.dir, ['check', '--ci', '--findings', findings]);
    expect(evaluate.code).toBe(1);
    const written = JSON.parse(readFileSync(findings, 'utf8')) as { images: string[]; result: { ok: boolean } };
    expect(written).toMatchObject({ format: 'nixtag-findings/1', images: ['app'], result: { ok: false } });
    // No repository and no configuration: from any directory, the stale reference fails it as before.
    const elsewhere = tempDir('registry-step-');
    const registry = nixtagCli(elsewhere, ['check', '--registry', '--from', findings, '--json']);
    expect(registry.code).toBe(1);
    expect(JSON.parse(registry.stdout)).toMatchObject({ ok: false, references: [{ status: 'stale', image: 'app' }] });
    const garbage = path.join(elsewhere, 'garbage.json');
    writeFileSync(garbage, '{}');
    const refused = nixtagCli(elsewhere, ['check', '--registry', '--from', garbage]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('FINDINGS_INVALID');
  });
});
