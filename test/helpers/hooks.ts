import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { BIN } from './cli.js';
import { deployment } from './expressions.js';
import { gitRepo, tempDir, testEnv, type Files, type TestRepo } from './repo.js';

/** An image built from app/ only (a filtered source), so manifests are not Nix inputs. */
export const appImage = `{ system ? builtins.currentSystem }:
derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
  src = builtins.path { path = ./app; name = "source"; };
  builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
}
`;

const REPOSITORY = 'registry.example/app';

export const manifest = (tag: string) => deployment(`${REPOSITORY}:${tag}`);

/**
 * npm as a CI job runs it: no audit, no funding or update notices, and packages from npm's cache
 * when it has them, without asking the registry whether they changed.
 */
export const NPM_ENV = {
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_prefer_offline: 'true',
};

/** The major version of the Node at `node`, or undefined when it does not run. */
function nodeMajor(node: string): number | undefined {
  const result = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.split('.')[0]) : undefined;
}

/**
 * The PATH of a user whose system Node is older than nixtag needs (Debian 12's 20): the runner's
 * PATH without node_modules/.bin folders (npx and npm scripts add them) and without any folder
 * whose node or nodejs is 22 or newer. A Node >= 22 is then only where a test installs one, as
 * the README tells such a user to (`npm install --save-dev node@22`), so a hook that cannot find
 * it fails here as it would there.
 */
export const SYSTEM_PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter(
    (directory) =>
      directory !== '' &&
      !directory.split(path.sep).includes('node_modules') &&
      !['node', 'nodejs'].some((name) => {
        const node = path.join(directory, name);
        return existsSync(node) && (nodeMajor(node) ?? 0) >= 22;
      }),
  )
  .join(path.delimiter);

/** PATH for hooks: the system's (SYSTEM_PATH) unless `extra` gives one. */
export function hookEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return testEnv({ PATH: SYSTEM_PATH, ...extra });
}

/** What `npm install --save-dev node@22` puts in node_modules: the `node` package and its bin, here the runner's Node. */
function installNode(dir: string): void {
  mkdirSync(path.join(dir, 'node_modules', 'node', 'bin'), { recursive: true });
  mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(process.execPath, path.join(dir, 'node_modules', 'node', 'bin', 'node'));
  symlinkSync('../node/bin/node', path.join(dir, 'node_modules', '.bin', 'node'));
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HookRepo extends TestRepo {
  /** Runs git as a user would, hooks included. */
  run(args: string[], options?: { input?: string; env?: Record<string, string> }): GitResult;
  tag(): string;
  head(): string;
  /** Exact bytes of the index entries and working-tree files, to compare before and after. */
  snapshot(): string;
}

/**
 * A repository like a user's: a Nix image, a deployment naming its current tag, nixtag installed
 * in node_modules/.bin (a link to the built CLI) with a Node >= 22 beside it (unless `node` is
 * false), a bare remote to push to.
 */
export function hookRepo(files: Files = {}, options: { commit?: boolean; node?: boolean } = {}): HookRepo {
  const all = { 'default.nix': appImage, 'app/main.go': 'package main\n', '.gitignore': 'node_modules\n', ...files };
  const repo = options.commit === false ? gitRepo({}) : gitRepo(all);
  if (options.commit === false) repo.write(all);
  mkdirSync(path.join(repo.dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(BIN, path.join(repo.dir, 'node_modules', '.bin', 'nixtag'));
  if (options.node !== false) installNode(repo.dir);
  const remote = path.join(tempDir('remote-'), 'remote.git');
  execFileSync('git', ['init', '--quiet', '--bare', remote], { env: testEnv() });
  repo.git('remote', 'add', 'origin', remote);
  const run: HookRepo['run'] = (args, options = {}) => {
    const result = spawnSync('git', args, {
      cwd: repo.dir,
      env: hookEnv(options.env),
      encoding: 'utf8',
      input: options.input ?? '',
    });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  const tag = () => {
    const result = spawnSync(process.execPath, [BIN, 'hash', '--json', '--rev', 'HEAD'], {
      cwd: repo.dir,
      env: hookEnv(),
      encoding: 'utf8',
    });
    return (JSON.parse(result.stdout) as { images: Array<{ hash: string }> }).images[0]!.hash;
  };
  const snapshot = () => {
    const index = repo.git('ls-files', '-s');
    const files = repo.git('ls-files').split('\n').filter(Boolean);
    const contents = files.map((file) => {
      try {
        return `${file}:${readFileSync(path.join(repo.dir, file)).toString('hex')}`;
      } catch {
        return `${file}:<missing>`;
      }
    });
    return `${index}\n${contents.join('\n')}`;
  };
  return { ...repo, run, tag, head: () => repo.git('rev-parse', 'HEAD').trim(), snapshot };
}

/** Installs nixtag's hooks with its own CLI, as `npx nixtag install` would. */
export function installHooks(repo: HookRepo, args: string[]): GitResult {
  const result = spawnSync(process.execPath, [BIN, 'install', ...args], {
    cwd: repo.dir,
    env: hookEnv(),
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Commits what is staged (a stale tag) past the hooks; pushing it must then be refused, naming the ref. */
export function expectStalePushRefused(repo: HookRepo, message: string): void {
  expect(repo.run(['commit', '--no-verify', '-m', message]).code).toBe(0);
  const push = repo.run(['push', 'origin', 'main']);
  expect(push.code).not.toBe(0);
  expect(push.stdout + push.stderr).toContain('refs/heads/main');
  // The fix is a new commit: the message says to make one.
  expect(push.stdout + push.stderr).toMatch(/nixtag fix` to rewrite the stale tags, commit them/);
}

/**
 * An image whose source is the files of app/ that files.nix lists: a name listed before its file
 * exists, or a file not listed yet, changes nothing.
 */
const listedImage = `{ system ? builtins.currentSystem }:
derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
  src = builtins.path {
    path = ./app;
    name = "source";
    filter = path: type: builtins.elem (baseNameOf path) (import ./files.nix);
  };
  builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
}
`;

/**
 * Two branches whose tips are both up to date, committed through the installed hooks (`install`
 * runs in between), whose clean merge is stale: `side` adds app/feature.go, which `main` lists in
 * files.nix before it exists. Neither changes the tag; together they do. Returns the tag the
 * merge needs. HEAD is main.
 */
export function staleMerge(install: (repo: HookRepo) => void): { repo: HookRepo; merged: string } {
  const repo = hookRepo({ 'default.nix': listedImage, 'files.nix': '[ "main.go" ]\n', 'k8s/deployment.yaml': '' });
  repo.write({ 'k8s/deployment.yaml': manifest(repo.tag()) });
  repo.commit('fresh');
  install(repo);
  const commit = (message: string) => {
    repo.git('add', '--all');
    const result = repo.run(['commit', '-m', message]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  };
  // What the install wrote in the work tree (a manager's configuration) is on both branches.
  if (repo.git('status', '--porcelain').trim() !== '') commit('hooks');
  repo.git('checkout', '--quiet', '-b', 'side');
  repo.write({ 'app/feature.go': 'package main // feature\n' });
  commit('a feature, not built yet');
  repo.git('checkout', '--quiet', 'main');
  repo.write({ 'files.nix': '[ "main.go" "feature.go" ]\n' });
  commit('build the feature once it is there');
  // The tag of the merge's tree, computed apart in a scratch merge.
  repo.git('checkout', '--quiet', '-b', 'scratch');
  repo.git('merge', '--quiet', '--no-edit', '--no-verify', 'side');
  const merged = repo.tag();
  repo.git('checkout', '--quiet', 'main');
  repo.git('branch', '--quiet', '-D', 'scratch');
  expect(merged).not.toBe(repo.tag());
  return { repo, merged };
}
