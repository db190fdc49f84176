import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type CliResult } from '../helpers/cli.js';
import { deployment } from '../helpers/expressions.js';
import { pushedProject, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir, testEnv, writeFiles } from '../helpers/repo.js';

const TASK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tekton/nixtag-check.yaml');

interface Param {
  name: string;
  type?: string;
  default?: string;
  description?: string;
}
interface Step {
  name: string;
  image: string;
  workingDir: string;
  env: Array<{ name: string; value: string }>;
  script: string;
}
interface Task {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { params: Param[]; workspaces: Array<{ name: string; optional?: boolean }>; steps: Step[] };
}

const task = parse(readFileSync(TASK, 'utf8')) as Task;
const user = 'tekton';
const password = 'tekton-secret-pw';
let scratch: string;
let registry: TestRegistry;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'nixtag-tekton-'));
  registry = await startRegistry(path.join(scratch, 'registry'), { kind: 'htpasswd', user, password });
});
afterAll(async () => {
  await registry?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * Runs the Task's one step as Tekton would: `$(params.*)` and `$(workspaces.*)` replaced in the
 * step, its env set, its script run with sh in its workingDir. `nixtag` on PATH is the built CLI.
 */
function runStep(params: Record<string, string>, workspaces: { source: string; dockerconfig?: string }) {
  const values = Object.fromEntries(task.spec.params.map((param) => [param.name, params[param.name] ?? param.default]));
  const substitute = (text: string) =>
    text
      .replace(/\$\(params\.([\w-]+)\)/g, (_, name: string) => {
        const value = values[name];
        if (value === undefined) throw new Error(`param ${name} has no value and no default`);
        return value;
      })
      .replace(/\$\(workspaces\.source\.path\)/g, workspaces.source)
      .replace(/\$\(workspaces\.dockerconfig\.bound\)/g, String(workspaces.dockerconfig !== undefined))
      .replace(/\$\(workspaces\.dockerconfig\.path\)/g, workspaces.dockerconfig ?? '');
  const [step] = task.spec.steps;
  const resolved = JSON.parse(substitute(JSON.stringify(step))) as Step;
  expect(JSON.stringify(resolved)).not.toMatch(/\$\((params|workspaces|context|results)\./);
  const bin = tempDir('nixtag-bin-');
  writeFiles(bin, { nixtag: `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n` });
  chmodSync(path.join(bin, 'nixtag'), 0o755);
  const script = path.join(tempDir(), 'script');
  writeFiles(path.dirname(script), { script: resolved.script });
  // The pod's home, where the step's `git config --global` writes.
  const home = tempDir('nixtag-home-');
  const env = testEnv({
    HOME: home,
    GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
    DOCKER_CONFIG: '',
    REGISTRY_AUTH_FILE: '',
    XDG_RUNTIME_DIR: '',
    PATH: `${bin}:${process.env.PATH}`,
    ...Object.fromEntries(resolved.env.map(({ name, value }) => [name, value])),
  });
  return new Promise<CliResult>((resolve) => {
    const child = spawn('sh', [script], { cwd: resolved.workingDir, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let projects = 0;

async function project() {
  const repository = `${registry.host}/tekton${++projects}/app`;
  const pushed = await pushedProject(repository, { user, password }, 'k8s/deployment.yaml');
  const dockerconfig = tempDir('nixtag-dockerconfig-');
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  writeFiles(dockerconfig, { 'config.json': JSON.stringify({ auths: { [registry.host]: { auth } } }) });
  return { ...pushed, dockerconfig };
}

describe('the shipped Tekton Task', () => {
  it('is a Task whose parameters are documented and whose step image is pinned by digest', () => {
    expect(task).toMatchObject({ apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 'nixtag-check' } });
    for (const param of task.spec.params) expect(param.description?.length, param.name).toBeGreaterThan(20);
    expect(task.spec.params.find((param) => param.name === 'digest')?.default).toBeUndefined(); // required
    const image = task.spec.params.find((param) => param.name === 'image')!;
    expect(image.default).toMatch(/^[^:@]+(?::[^@]+)?@sha256:[0-9a-f]{64}$/);
    expect(image.default).not.toMatch(/:latest\b/);
    expect(task.spec.steps).toHaveLength(1);
    expect(task.spec.steps[0]!.image).toBe('$(params.image)');
    expect(task.spec.steps[0]!.script).toContain('check --registry');
    expect(task.spec.workspaces.map((workspace) => workspace.name)).toEqual(['source', 'dockerconfig']);
    const packaged = JSON.parse(readFileSync(path.join(path.dirname(TASK), '../package.json'), 'utf8')) as {
      files: string[];
    };
    expect(packaged.files).toContain('tekton');
  });

  it('passes the pushed image with the digest the build exported, credentials from the dockerconfig workspace', async () => {
    const { repo, digest, dockerconfig } = await project();
    const result = await runStep({ digest }, { source: repo.dir, dockerconfig });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nixtag: registry: 1 reference present, with the expected digest.');
    const withArgs = await runStep({ digest: `app=${digest}`, args: '--json' }, { source: repo.dir, dockerconfig });
    expect(withArgs.code).toBe(0);
    expect(JSON.parse(withArgs.stdout)).toMatchObject({ ok: true, references: [{ digest }] });
  });

  it('fails another digest and a tag that was never pushed, where the seed step passes the latter', async () => {
    const { repo, repository, tag, digest, dockerconfig } = await project();
    const other = `sha256:${'e'.repeat(64)}`;
    const mismatch = await runStep({ digest: other }, { source: repo.dir, dockerconfig });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toContain(
      `k8s/deployment.yaml:10:18: ${repository}:${tag} has digest ${digest} in the registry`,
    );

    repo.write({ 'k8s/deployment.yaml': deployment(`${repository}-unpushed:${tag}`) });
    repo.write({ '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${repository}-unpushed\n` });
    repo.commit('an image that was never pushed');
    const missing = await runStep({ digest }, { source: repo.dir, dockerconfig });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`is not in registry ${registry.host}`);

    const auth = `${user}:${password}`;
    const seed = `skopeo inspect --tls-verify=false --creds ${auth} docker://${repository}-unpushed:${tag} | jq -e '.Digest == "${digest}"'`;
    expect(spawnSync('sh', ['-c', seed], { env: testEnv() }).status).toBe(0);
  });

  it('refuses an empty digest (exit 2) and exits 3 without the credentials', async () => {
    const { repo, digest, dockerconfig } = await project();
    const empty = await runStep({ digest: ' ' }, { source: repo.dir, dockerconfig });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the digest param is empty');
    const anonymous = await runStep({ digest }, { source: repo.dir });
    expect(anonymous.code).toBe(3);
    expect(anonymous.stdout).toContain('no credentials for it were found');
    expect(anonymous.stdout + anonymous.stderr).not.toContain(password);
  });
});
