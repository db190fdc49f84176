import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { ociLayout, push, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { gitRepo, tempDir, testEnv } from '../helpers/repo.js';

let registry: TestRegistry;
let scratch: string;
/** No credentials anywhere: the registry is open. */
const env = () => ({
  HOME: scratch,
  DOCKER_CONFIG: '',
  REGISTRY_AUTH_FILE: '',
  XDG_RUNTIME_DIR: '',
  XDG_CONFIG_HOME: '',
});

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'nixtag-registry-'));
  registry = await startRegistry(path.join(scratch, 'registry'));
});
afterAll(async () => {
  await registry?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const worker = plainImage.replace('echo image', 'echo worker');

let projects = 0;

/**
 * A repository whose manifests name `HOST/teamN/app` (and `HOST/teamN/worker`) at the tags CI
 * will push; each test its own namespace in the shared registry.
 */
function project(host: string, { twoImages = false } = {}) {
  const team = `team${++projects}`;
  const images = [`  - name: app\n    nix: default.nix\n    repository: ${host}/${team}/app`];
  if (twoImages) images.push(`  - name: worker\n    nix: worker/default.nix\n    repository: ${host}/${team}/worker`);
  const files: Record<string, string> = {
    'default.nix': plainImage,
    '.nixtagrc.yaml': `images:\n${images.join('\n')}\n`,
  };
  if (twoImages) files['worker/default.nix'] = worker;
  const repo = gitRepo(files);
  const tags = Object.fromEntries(
    nixtagCli(repo.dir, ['hash'], env())
      .stdout.trim()
      .split('\n')
      .map((line) => (twoImages ? line.split('\t') : ['app', line])),
  ) as Record<string, string>;
  repo.write({ 'k8s/app.yaml': deployment(`${host}/${team}/app:${tags.app}`) });
  if (twoImages) repo.write({ 'k8s/worker.yaml': deployment(`${host}/${team}/worker:${tags.worker}`) });
  repo.commit('manifests');
  return { repo, tags, team };
}

const pushImage = (label: string, image: string) => push(ociLayout(tempDir(), label), image);

/** The seed's pipeline step (FACTS.md): skopeo inspect piped into Debian's jq -e, without pipefail. */
function seedStep(image: string, digest: string) {
  const command = `skopeo inspect --tls-verify=false docker://${image} | jq -e '.Digest == "${digest}"'`;
  return spawnSync('sh', ['-c', command], { encoding: 'utf8', env: testEnv() });
}

describe('check --registry against a real registry', () => {
  it('passes a pushed tag with the digest the build exported, and reports that digest per reference', async () => {
    const { repo, tags, team } = project(registry.host);
    const digest = await pushImage('app', `${registry.host}/${team}/app:${tags.app}`);
    const result = nixtagCli(repo.dir, ['check', '--registry', '--digest', digest], env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nixtag: registry: 1 reference present, with the expected digest.');

    const json = nixtagCli(repo.dir, ['check', '--registry', '--digest', digest, '--json'], env());
    expect(json.code).toBe(0);
    const [reference] = (JSON.parse(json.stdout) as { references: Array<Record<string, unknown>> }).references;
    expect(reference).toMatchObject({ file: 'k8s/app.yaml', line: 10, status: 'ok', digest });
    expect(reference!.registry).toEqual({ status: 'ok', registry: registry.host, expectedDigest: digest, error: null });
  });

  it('fails a tag whose registry digest is not the one the build exported, naming file:line', async () => {
    const { repo, tags, team } = project(registry.host);
    const image = `${registry.host}/${team}/app:${tags.app}`;
    const old = await pushImage('an earlier build', image);
    const built = await push(ociLayout(tempDir(), 'this build'), `${registry.host}/${team}/elsewhere:${tags.app}`);
    expect(built).not.toBe(old);
    const result = nixtagCli(repo.dir, ['check', '--registry', '--digest', built], env());
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`k8s/app.yaml:10:18: ${image} has digest ${old} in the registry`);
    expect(result.stdout).toContain(`expected: ${built} (--digest)`);
    expect(result.stdout).toContain('1 with another digest');
    expect(seedStep(image, built).status).not.toBe(0); // the seed's step catches this one too
  });

  it("fails a tag that was never pushed, which the seed's skopeo | jq -e step lets through", async () => {
    const { repo, tags, team } = project(registry.host);
    const image = `${registry.host}/${team}/app:${tags.app}`;
    const digest = await pushImage('built but pushed elsewhere', `${registry.host}/${team}/other:${tags.app}`);

    const seed = seedStep(image, digest);
    expect(seed.stdout).toBe('');
    expect(seed.stderr).toContain('manifest unknown');
    expect(seed.status).toBe(0); // the deploy would go on

    const result = nixtagCli(repo.dir, ['check', '--registry', '--digest', digest], env());
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`k8s/app.yaml:10:18: ${image} is not in registry ${registry.host}`);
    expect(result.stdout).toContain('nixtag: registry: 1 missing.');
    const json = JSON.parse(nixtagCli(repo.dir, ['check', '--registry', '--json'], env()).stdout) as {
      ok: boolean;
      references: Array<{ digest: string | null; registry: { status: string } }>;
    };
    expect(json.ok).toBe(false);
    expect(json.references[0]).toMatchObject({ digest: null, registry: { status: 'missing' } });
  });

  it('fails a reference pinned to a digest that is not what its tag names', async () => {
    const { repo, tags, team } = project(registry.host);
    const image = `${registry.host}/${team}/app:${tags.app}`;
    const digest = await pushImage('app', image);
    const stalePin = `sha256:${'f'.repeat(64)}`;
    repo.write({ 'k8s/app.yaml': deployment(`${image}@${stalePin}`) });
    repo.commit('pinned');
    const result = nixtagCli(repo.dir, ['check', '--registry'], env());
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`k8s/app.yaml:10:18: ${image}@${stalePin} has digest ${digest} in the registry`);
    expect(result.stdout).toContain(`expected: ${stalePin} (pinned in the manifest)`);
    repo.write({ 'k8s/app.yaml': deployment(`${image}@${digest}`) });
    repo.commit('pinned right');
    expect(nixtagCli(repo.dir, ['check', '--registry', '--digest', digest], env()).code).toBe(0);
    // The registry clears a pinned digest that is the tag's, with or without --digest; the tag
    // alone cannot (adversarial round 11, F9: runtimes pull the digest).
    const cleared = nixtagCli(repo.dir, ['check', '--registry', '--json'], env());
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({
      ok: true,
      references: [{ status: 'ok', current: `${image}@${digest}`, registry: { status: 'ok' } }],
    });
    const unverified = nixtagCli(repo.dir, ['check'], env());
    expect(unverified.code).toBe(1);
    expect(unverified.stdout).toMatch(/check --registry` asks the registry whether it is the tag's/);
    // A --digest that is the pinned one's but not the tag's still fails: the pin is what runs.
    const other = `sha256:${'e'.repeat(64)}`;
    expect(nixtagCli(repo.dir, ['check', '--registry', '--digest', other], env()).code).toBe(1);
    repo.write({ 'k8s/app.yaml': deployment(`${image}@${stalePin}`) });
    repo.commit('pinned wrong again');
    expect(nixtagCli(repo.dir, ['check', '--registry', '--digest', digest], env()).code).toBe(1);
  });

  it('takes one digest per image as NAME=sha256:…, and refuses an ambiguous or malformed --digest', async () => {
    const { repo, tags, team } = project(registry.host, { twoImages: true });
    const app = await pushImage('app', `${registry.host}/${team}/app:${tags.app}`);
    const workerDigest = await pushImage('worker', `${registry.host}/${team}/worker:${tags.worker}`);
    const ok = nixtagCli(
      repo.dir,
      ['check', '--registry', '--digest', `app=${app}`, '--digest', `worker=${workerDigest}`],
      env(),
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const swapped = nixtagCli(repo.dir, ['check', '--registry', '--digest', `app=${workerDigest}`], env());
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toContain('k8s/app.yaml:10:18:');
    expect(swapped.stdout).not.toContain('k8s/worker.yaml:10:18:');

    const ambiguous = nixtagCli(repo.dir, ['check', '--registry', '--digest', app], env());
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("references name 2 images: 'app', 'worker'");
    expect(nixtagCli(repo.dir, ['check', '--registry', '--digest', `nosuch=${app}`], env()).code).toBe(2);
    for (const bad of ['', 'sha256:abc', 'latest']) {
      const result = nixtagCli(repo.dir, ['check', '--registry', '--digest', bad], env());
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('is not a digest');
    }
    const noRegistry = nixtagCli(repo.dir, ['check', '--digest', app], env());
    expect(noRegistry.code).toBe(2);
    expect(noRegistry.stderr).toContain('give --registry too');
  });

  it('exits 3 when the registry does not answer, naming each reference', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const { repo, team } = project(`127.0.0.1:${closed}`);
    const result = nixtagCli(repo.dir, ['check', '--registry'], env());
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(`k8s/app.yaml:10:18: could not check 127.0.0.1:${closed}/${team}/app:`);
    expect(result.stdout).toContain(`registry 127.0.0.1:${closed} did not answer: ECONNREFUSED`);
    expect(result.stdout).toContain('1 not checked (the registry did not answer or refused)');
    const json = JSON.parse(nixtagCli(repo.dir, ['check', '--registry', '--json'], env()).stdout) as {
      references: Array<{ registry: { status: string; error: { code: string } } }>;
    };
    expect(json.references[0]!.registry).toMatchObject({
      status: 'unreachable',
      error: { code: 'REGISTRY_UNREACHABLE' },
    });
  });
});
