import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { expect } from 'vitest';
import { tempDir, testEnv, writeFiles } from './repo.js';

export const TEKTON = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tekton');

interface Param {
  name: string;
  type?: string;
  default?: string;
  description?: string;
}
export interface Step {
  name: string;
  image: string;
  workingDir: string;
  workspaces?: Array<{ name: string; mountPath?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  env: Array<{ name: string; value: string }>;
  script: string;
}
export interface Task {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    params: Param[];
    workspaces?: Array<{ name: string; optional?: boolean; readOnly?: boolean; mountPath?: string }>;
    volumes?: Array<{ name: string; emptyDir?: object }>;
    results?: Array<{ name: string; description?: string }>;
    steps: Step[];
  };
}

export function loadTask(file: string): Task {
  return parse(readFileSync(path.join(TEKTON, file), 'utf8')) as Task;
}

/**
 * What Tekton mounts in a step, as its pkg/workspace/apply.go decides: a workspace that any step
 * lists under `workspaces` is isolated to the steps that list it, every other one is mounted in
 * every step; volumes only where a step's `volumeMounts` names them.
 */
export function mountsOf(task: Task, step: Step): { workspaces: string[]; volumes: string[] } {
  const isolated = new Set(task.spec.steps.flatMap((each) => (each.workspaces ?? []).map((used) => used.name)));
  const workspaces = (task.spec.workspaces ?? [])
    .map((declared) => declared.name)
    .filter((name) => !isolated.has(name) || (step.workspaces ?? []).some((used) => used.name === name));
  return { workspaces, volumes: (step.volumeMounts ?? []).map((mount) => mount.name) };
}

interface StepRun {
  name: string;
  code: number;
  stdout: string;
  stderr: string;
}

export interface TaskRun {
  /** The exit status of the step that failed, or 0. */
  code: number;
  stdout: string;
  stderr: string;
  steps: StepRun[];
  results: Record<string, string>;
}

export interface TaskBindings {
  /** Workspace name to a directory; an optional one left out is unbound. */
  workspaces: Record<string, string>;
  /** The step image's directory of programs holding `nixtag`; undefined: an image without it. */
  imageBin: string | undefined;
  /** More environment (another Nix first on PATH). */
  env?: Record<string, string> | undefined;
}

function runScript(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Omit<StepRun, 'name'>> {
  return new Promise((resolve) => {
    const child = spawn('sh', [script], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Runs the Task as Tekton would, step after step in one pod until one fails: `$(params.*)`,
 * `$(workspaces.*)` and `$(results.*.path)` replaced in each step, every mount path (the
 * workspaces', the volumes') a directory of this test, a step's env set, its script run with sh
 * in its workingDir. A step can reach only the workspaces and volumes Tekton mounts in it; one
 * that names another fails the test. The steps share HOME, as /tekton/home.
 */
export async function runTask(task: Task, params: Record<string, string>, bindings: TaskBindings): Promise<TaskRun> {
  const values = Object.fromEntries(task.spec.params.map((param) => [param.name, params[param.name] ?? param.default]));
  const volumes = Object.fromEntries((task.spec.volumes ?? []).map((volume) => [volume.name, tempDir('volume-')]));
  const results = Object.fromEntries((task.spec.results ?? []).map((result) => [result.name, tempDir('result-')]));
  const home = tempDir('tekton-home-');
  const run: TaskRun = { code: 0, stdout: '', stderr: '', steps: [], results: {} };
  for (const step of task.spec.steps) {
    const mounted = mountsOf(task, step);
    const pathOf = (name: string) => {
      if (!mounted.workspaces.includes(name))
        throw new Error(`step ${step.name} names workspace ${name}, not mounted there`);
      return bindings.workspaces[name] ?? '';
    };
    let text = JSON.stringify(step)
      .replace(/\$\(params\.([\w-]+)\)/g, (_, name: string) => {
        const value = values[name];
        if (value === undefined) throw new Error(`param ${name} has no value and no default`);
        return JSON.stringify(value).slice(1, -1);
      })
      .replace(/\$\(workspaces\.([\w-]+)\.path\)/g, (_, name: string) => pathOf(name))
      .replace(/\$\(workspaces\.([\w-]+)\.bound\)/g, (_, name: string) =>
        String(mounted.workspaces.includes(name) && bindings.workspaces[name] !== undefined),
      )
      .replace(/\$\(results\.([\w-]+)\.path\)/g, (_, name: string) => path.join(results[name]!, name));
    for (const mount of step.volumeMounts ?? []) text = text.replaceAll(mount.mountPath, volumes[mount.name]!);
    const resolved = JSON.parse(text) as Step;
    expect(text).not.toMatch(/\$\((params|workspaces|context|results|steps)\./);
    const script = path.join(tempDir('script-'), 'script');
    writeFiles(path.dirname(script), { script: resolved.script });
    const env = testEnv({
      HOME: home,
      // The pod's own user configuration, where a step's `git config --global` writes.
      GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'),
      DOCKER_CONFIG: '',
      REGISTRY_AUTH_FILE: '',
      XDG_RUNTIME_DIR: '',
      PATH: [bindings.imageBin, path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(':'),
      ...bindings.env,
      ...Object.fromEntries(resolved.env.map(({ name, value }) => [name, value])),
    });
    if (bindings.env?.PATH !== undefined) env.PATH = [bindings.imageBin, bindings.env.PATH].filter(Boolean).join(':');
    const outcome = await runScript(script, resolved.workingDir, env);
    run.steps.push({ name: step.name, ...outcome });
    run.stdout += outcome.stdout;
    run.stderr += outcome.stderr;
    if (outcome.code !== 0) {
      run.code = outcome.code;
      break;
    }
  }
  for (const [name, dir] of Object.entries(results)) {
    if (existsSync(path.join(dir, name))) run.results[name] = readFileSync(path.join(dir, name), 'utf8');
  }
  return run;
}

/** An npm `integrity` string of a file: sha512, base64. */
export function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/** The Containerfile's instructions, continuation lines joined, comments left out. */
function instructions(text: string): Array<{ op: string; rest: string }> {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const [, op = '', rest = ''] = /^\s*(\S+)\s*(.*)$/.exec(line) ?? [];
      return { op: op.toUpperCase(), rest: rest.trim() };
    });
}

export interface StepImage {
  /** The first directory of the image's PATH (its ENV PATH), under the build's root. */
  bin: string;
  /** The ARG defaults as the Containerfile declares them. */
  defaults: Record<string, string>;
  /** What ENV PATH puts first, as the image sees it. */
  path: string;
}

/**
 * tekton/image/Containerfile built here, as far as this machine can: the base image and
 * Debian's packages (FROM, the apt-get RUN) are this machine's Node, git and Nix; every other
 * instruction runs as written, its ARGs from `buildArgs` or their defaults, with the image's
 * absolute paths (/usr/local, /opt) under `root`. Throws when a RUN fails.
 */
export function buildStepImage(root: string, buildArgs: Record<string, string>): StepImage {
  const image = path.join(TEKTON, 'image');
  const defaults: Record<string, string> = {};
  const args: Record<string, string> = {};
  let imagePath = '';
  const inRoot = (text: string) => text.replace(/(^|[\s"'=:])\/(usr\/local|opt)\//g, `$1${root}/$2/`);
  for (const { op, rest } of instructions(readFileSync(path.join(image, 'Containerfile'), 'utf8'))) {
    if (op === 'ARG') {
      const [name = '', value] = rest.split(/=(.*)/s);
      if (value !== undefined) defaults[name] = value;
      const given = buildArgs[name] ?? value;
      if (given !== undefined) args[name] = given;
    } else if (op === 'COPY') {
      const [source = '', target = ''] = rest.split(/\s+/);
      mkdirSync(path.dirname(inRoot(` ${target}`).trim()), { recursive: true });
      cpSync(path.join(image, source), inRoot(` ${target}`).trim());
    } else if (op === 'RUN' && !/^apt-get\b/.test(rest)) {
      execFileSync('sh', ['-c', inRoot(rest)], {
        cwd: root,
        env: {
          ...testEnv(args),
          PATH: `${path.dirname(process.execPath)}:${process.env.PATH}`,
          // The packages nixtag depends on, from npm's cache where they are (the registry otherwise).
          npm_config_prefer_offline: 'true',
          npm_config_update_notifier: 'false',
        },
        stdio: 'ignore',
      });
    } else if (op === 'ENV' && rest.startsWith('PATH=')) {
      imagePath = rest.slice('PATH='.length).split(':')[0]!;
    }
  }
  return { bin: inRoot(` ${imagePath}`).trim(), defaults, path: imagePath };
}
