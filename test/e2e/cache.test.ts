import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { hookRepo, installHooks, manifest } from '../helpers/hooks.js';
import { countingNix } from '../helpers/nix.js';
import { gitRepo, tempDir, testEnv } from '../helpers/repo.js';

/**
 * Every git command run, hooks included, as GIT_TRACE logs them (a PATH shim would not see them:
 * git puts its own exec path first on a hook's PATH).
 */
function tracedGit(): { env: Record<string, string>; calls: () => string[] } {
  const log = path.join(tempDir('trace-'), 'git.log');
  return {
    env: { GIT_TRACE: log },
    calls: () =>
      existsSync(log)
        ? [...readFileSync(log, 'utf8').matchAll(/trace: built-in: git (.*)$/gm)].map((match) => match[1]!)
        : [],
  };
}

describe('the evaluation cache, seen from the hooks', () => {
  it('makes no Nix call for a commit that changes only manifests, or nothing relevant', () => {
    const nix = countingNix();
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    expect(installHooks(repo, ['--git', '--pre-commit', 'fix']).code).toBe(0);
    // A source change: the hook evaluates, fixes the staged manifest, and checks the result.
    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', '--all');
    expect(repo.run(['commit', '-m', 'v2'], { env: nix.env }).code).toBe(0);
    const afterFix = nix.calls();
    expect(afterFix).toBeGreaterThan(0);

    // Only the manifest changes (a comment): its tag cannot have changed, Nix is not asked.
    repo.write({ 'k8s/deployment.yaml': `${repo.read('k8s/deployment.yaml')}# reviewed\n` });
    repo.git('add', 'k8s/deployment.yaml');
    expect(repo.run(['commit', '-m', 'comment'], { env: nix.env }).code).toBe(0);
    expect(nix.calls()).toBe(afterFix);

    // Pushing what was just judged asks nothing either.
    expect(repo.run(['push', '--quiet', 'origin', 'main'], { env: nix.env }).code).toBe(0);
    expect(nix.calls()).toBe(afterFix);

    // A source change is relevant again.
    repo.write({ 'app/main.go': 'package main // v3\n' });
    repo.git('add', '--all');
    expect(repo.run(['commit', '-m', 'v3'], { env: nix.env }).code).toBe(0);
    expect(nix.calls()).toBeGreaterThan(afterFix);
  });

  it('asks git for the repository and the index tree once in a hook that is not idle', () => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    expect(installHooks(repo, ['--git', '--pre-commit', 'fix']).code).toBe(0);
    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', '--all');
    expect(repo.run(['commit', '-m', 'v2']).code).toBe(0); // evaluates and fills the cache

    // A manifest-only commit: the idle check misses, the verdict and the check go on from its tree.
    const git = tracedGit();
    repo.write({ 'k8s/deployment.yaml': `${repo.read('k8s/deployment.yaml')}# reviewed\n` });
    repo.git('add', 'k8s/deployment.yaml');
    expect(repo.run(['commit', '-m', 'comment'], { env: git.env }).code).toBe(0);
    const calls = git.calls();
    expect(calls.some((call) => call.startsWith('commit'))).toBe(true);
    // The index's tree id is derived from the one the last hook remembered and the one diff the
    // checkout's update needs too: no write-tree, and that diff asked once.
    expect(calls.filter((call) => call.startsWith('write-tree'))).toHaveLength(0);
    expect(
      calls.filter((call) =>
        call.startsWith('diff-index --cached --ita-invisible-in-index --ignore-submodules=none -r'),
      ),
    ).toHaveLength(1);
    expect(calls.filter((call) => call.startsWith('rev-parse') && call.includes('--show-toplevel'))).toHaveLength(1);
  });

  it("answers an idle hook with one git process of its own (and the hook script's guard)", () => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    expect(installHooks(repo, ['--git', '--pre-commit', 'fix']).code).toBe(0);
    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', '--all');
    expect(repo.run(['commit', '-m', 'v2']).code).toBe(0); // fixes the tag: the tree judged is gone
    repo.write({ 'README.md': 'notes\n' });
    repo.git('add', 'README.md');
    expect(repo.run(['commit', '-m', 'notes']).code).toBe(0); // judges, and remembers the judgement

    // A README-only commit: the skip decision answers it before the CLI loads, after one diff.
    const git = tracedGit();
    repo.write({ 'README.md': 'docs\n' });
    repo.git('add', 'README.md');
    expect(repo.run(['commit', '-m', 'docs'], { env: git.env }).code).toBe(0);
    const ours = git.calls().filter((call) => !/^(?:commit|maintenance|gc)\b/.test(call));
    // The hook script's own guard (no nixtag or Node from a tracked node_modules: docs/hooks.md) and nixtag's one diff.
    expect(ours).toEqual([
      "ls-files --error-unmatch -- ':(icase)node_modules'",
      expect.stringMatching(/^diff-index --cached .*--name-only/),
    ]);

    // And loads little: node:crypto alone costs about 5 ms, a tenth of the idle hook.
    const run = pathToFileURL(path.join(path.dirname(BIN), 'run.js')).href;
    const script = `const { runCommand } = await import(${JSON.stringify(run)});
const code = await runCommand(['hook', 'pre-commit'], process.cwd(), { out() {}, err() {} });
console.log(JSON.stringify({ code, crypto: process.moduleLoadList.some((name) => /\\bcrypto\\b/.test(name)) }));`;
    const idle = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repo.dir,
      env: testEnv(),
      encoding: 'utf8',
    });
    expect(JSON.parse(idle.stdout)).toEqual({ code: 0, crypto: false });
  });

  it('detects a manifest that is an input of its own image and says how to leave it out', () => {
    const unfiltered = `{ system ? builtins.currentSystem }:
derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
  src = builtins.path { path = ./.; name = "source"; filter = p: t: !(builtins.elem (baseNameOf p) [ "node_modules" ".git" ]); };
  builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
}
`;
    const repo = hookRepo({ 'default.nix': unfiltered, 'k8s/deployment.yaml': manifest(STALE) });
    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', '--all');
    expect(installHooks(repo, ['--git', '--pre-commit', 'fix']).code).toBe(0);
    const commit = repo.run(['commit', '-m', 'v2']);
    expect(commit.code).not.toBe(0);
    expect(commit.stdout + commit.stderr).toContain('k8s/deployment.yaml is part of the Nix source of image');
    expect(commit.stdout + commit.stderr).toContain('filter');
  });
});

/** The checkout these tests run from: its sources and its build (dist/). */
const ROOT = path.resolve(path.dirname(BIN), '../..');

const builds: string[] = [];
afterAll(() => builds.forEach((copy) => rmSync(copy, { recursive: true, force: true })));

/** Another build of nixtag, of the same version: these sources with `line` added to one file, built with `npm run build`. */
function anotherBuild(line: string): string {
  // Kept for every test of the file (a build costs a `tsc`), removed after the last.
  const copy = mkdtempSync(path.join(tmpdir(), 'nixtag-build-'));
  builds.push(copy);
  for (const entry of ['src', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  symlinkSync(realpathSync(path.join(ROOT, 'node_modules')), path.join(copy, 'node_modules'));
  appendFileSync(path.join(copy, 'src/engine/inspect.ts'), `${line}\n`);
  execFileSync('npm', ['run', 'build'], {
    cwd: copy,
    env: testEnv({ PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` }),
    stdio: 'ignore',
  });
  return path.join(copy, 'dist/cli/bin.js');
}

/** One other build for the tests below (a build costs a `tsc`). */
let built: string | undefined;
const otherBuild = () => (built ??= anotherBuild('// Another build: the same version, one more line.'));

describe('the caches, across builds', () => {
  it('are not shared by two builds of the same version whose code differs', () => {
    const other = otherBuild();
    const version = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    expect(version(path.join(other, '../../../package.json'))).toBe(version(path.join(ROOT, 'package.json')));
    const build = (bin: string) => readFileSync(path.join(bin, '../../build.json'), 'utf8');
    expect(build(other)).not.toBe(build(BIN));

    const nix = countingNix();
    const repository = 'registry.example/app';
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${repository}\n`,
      'k8s/app.yaml': deployment(`${repository}:${STALE}`),
    });
    expect(nixtagCli(repo.dir, ['fix'], nix.env).code).toBe(0);
    repo.commit('fixed');
    const otherCli = (args: string[]) =>
      spawnSync(process.execPath, [other, ...args], { cwd: repo.dir, env: testEnv(nix.env), encoding: 'utf8' });

    // This build answers from what it remembers: no Nix call.
    const evaluated = nix.calls();
    expect(nixtagCli(repo.dir, ['check'], nix.env).code).toBe(0);
    expect(nixtagCli(repo.dir, ['check', '--no-cache'], nix.env).code).toBe(0);
    expect(nix.calls()).toBe(evaluated + 1);
    // The other build takes nothing of it: it evaluates, then answers from its own records.
    expect(otherCli(['check']).status).toBe(0);
    expect(nix.calls()).toBe(evaluated + 2);
    expect(otherCli(['check']).status).toBe(0);
    expect(nix.calls()).toBe(evaluated + 2);
  });

  // npm runs `prepare` twice for a git checkout (installing its dependencies, then packing it).
  it('are built by `prepare` only when dist/ was not built from these sources and this configuration', () => {
    const copy = path.resolve(otherBuild(), '../../..');
    // An `npm` that only says it was asked to build.
    const stub = tempDir('npm-');
    writeFileSync(path.join(stub, 'npm'), `#!/bin/sh\necho "npm $*" >> "${stub}/calls"\n`, { mode: 0o755 });
    const prepare = () => {
      rmSync(path.join(stub, 'calls'), { force: true });
      const result = spawnSync(process.execPath, ['scripts/prepare.mjs'], {
        cwd: copy,
        env: testEnv({ PATH: `${stub}:${process.env.PATH}` }),
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      return {
        said: result.stdout,
        calls: existsSync(path.join(stub, 'calls')) ? readFileSync(path.join(stub, 'calls'), 'utf8') : '',
      };
    };
    expect(prepare()).toEqual({
      said: 'nixtag: dist/ is built from these sources; not building it again.\n',
      calls: '',
    });
    for (const file of ['src/engine/inspect.ts', 'package.json', 'tsconfig.build.json', 'scripts/bundle-cli.mjs']) {
      const original = readFileSync(path.join(copy, file), 'utf8');
      writeFileSync(path.join(copy, file), `${original}\n`);
      expect(prepare(), file).toEqual({ said: '', calls: 'npm run build\n' });
      writeFileSync(path.join(copy, file), original);
    }
    rmSync(path.join(copy, 'dist/build.json'));
    expect(prepare()).toEqual({ said: '', calls: 'npm run build\n' });
  });
});
