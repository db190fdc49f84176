import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { STALE } from '../helpers/expressions.js';
import { hookRepo, installHooks, manifest, type HookRepo } from '../helpers/hooks.js';
import { tempDir, writeFiles } from '../helpers/repo.js';

const OLD_NODE = '/usr/bin/nodejs';

/** A directory of links to the programs named, for a PATH that holds nothing else. */
function toolsDir(names: readonly string[]): string {
  const dir = tempDir('tools-');
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, path.join(dir, name));
  }
  return dir;
}

/**
 * A home where Node is where nvm puts it (or, with `husky`, only on the PATH that husky's
 * ~/.config/husky/init.sh sets) and, when asked, Nix where the single-user installer puts it.
 */
function home(options: { nix: boolean; husky?: boolean }): string {
  const dir = tempDir('home-');
  const nodeDir = options.husky
    ? path.join(dir, 'opt', 'node', 'bin')
    : path.join(dir, '.nvm', 'versions', 'node', 'v24.0.0', 'bin');
  mkdirSync(nodeDir, { recursive: true });
  symlinkSync(process.execPath, path.join(nodeDir, 'node'));
  if (options.husky) writeFiles(dir, { '.config/husky/init.sh': `export PATH="${nodeDir}:$PATH"\n` });
  if (options.nix) {
    const nix = path.join(dir, '.nix-profile', 'bin');
    mkdirSync(nix, { recursive: true });
    for (const name of ['nix-instantiate', 'nix-store']) symlinkSync(`/usr/bin/${name}`, path.join(nix, name));
  }
  return dir;
}

/** A repository with nixtag's plain git hooks, identity in its config, and a staged change that makes the tag stale. */
function staleChangeStaged(options: { recordedNode: boolean } = { recordedNode: false }): HookRepo {
  const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) }, { node: false });
  repo.git('config', 'user.name', 'Test');
  repo.git('config', 'user.email', 'test@example.com');
  expect(installHooks(repo, ['--git']).code).toBe(0);
  const hook = path.join(repo.dir, '.git', 'hooks', 'pre-commit');
  expect(readFileSync(hook, 'utf8')).toContain(`NIXTAG_NODE=\${NIXTAG_NODE:-'${process.execPath}'}`);
  // Unless asked, the Node recorded at install is forgotten: the places searched must find one.
  if (!options.recordedNode) {
    writeFileSync(
      hook,
      readFileSync(hook, 'utf8').replace(/NIXTAG_NODE=\$\{NIXTAG_NODE:-'[^']*'\}/, "NIXTAG_NODE=${NIXTAG_NODE:-''}"),
    );
  }
  repo.write({ 'app/main.go': 'package main // v2\n' });
  repo.git('add', '--all');
  return repo;
}

/**
 * The test run's TMPDIR (vitest.config.ts), kept in the minimal environments below so that
 * nixtag's checkouts go where the run removes them.
 */
const runTemp: Record<string, string> = process.env.TMPDIR === undefined ? {} : { TMPDIR: process.env.TMPDIR };

/** git as a GUI client runs it: `env -i HOME=… PATH=<system tools only>` (and the run's TMPDIR). */
function guiGit(repo: HookRepo, homeDir: string, args: string[]) {
  const tools = toolsDir(['git', 'sh', 'ls', 'tr', 'head', 'cat']);
  const tmp = Object.entries(runTemp).map(([name, value]) => `${name}=${value}`);
  const result = spawnSync('/usr/bin/env', ['-i', `HOME=${homeDir}`, `PATH=${tools}`, ...tmp, 'git', ...args], {
    cwd: repo.dir,
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, output: result.stdout + result.stderr };
}

const guiCommit = (repo: HookRepo, homeDir: string, message: string) =>
  guiGit(repo, homeDir, ['commit', '-m', message]);

describe('hooks find Node and Nix where their installers put them', () => {
  it('a GUI client’s minimal PATH: Node from nvm, Nix from ~/.nix-profile; stale refused, fresh accepted', () => {
    const repo = staleChangeStaged();
    const tag = repo.tag();
    const homeDir = home({ nix: true });
    const refused = guiCommit(repo, homeDir, 'stale');
    expect(refused.output).toContain('stale reference');
    expect(refused.code).toBe(1);
    const staged = spawnSync(process.execPath, [BIN, 'hash', '--staged'], { cwd: repo.dir, encoding: 'utf8' });
    expect(staged.stdout.trim()).not.toBe(tag);
    repo.write({ 'k8s/deployment.yaml': manifest(staged.stdout.trim()) });
    repo.git('add', '--all');
    const accepted = guiCommit(repo, homeDir, 'fresh');
    expect(accepted.output).toContain('up to date');
    expect(accepted.code).toBe(0);
  });

  it('without Nix: fails saying so and what to do, or warns and passes with whenNixMissing: warn', () => {
    const repo = staleChangeStaged();
    const homeDir = home({ nix: false });
    const refused = guiCommit(repo, homeDir, 'no nix');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('NIX_MISSING');
    expect(refused.output).toContain('Nix is not installed here');
    expect(refused.output).toContain('whenNixMissing: warn');
    expect(refused.output).toContain('NIXTAG_SKIP=1');

    repo.write({ '.nixtagrc.yaml': 'whenNixMissing: warn\n' });
    repo.git('add', '--all');
    const warned = guiCommit(repo, homeDir, 'no nix, warned');
    expect(warned.output).toContain('1 image reference was not checked (whenNixMissing: warn)');
    expect(warned.code).toBe(0);

    // A push says the same, and no more: no header of a ref with nothing under it.
    expect(installHooks(repo, ['--git', '--pre-push']).code).toBe(0);
    const pushed = guiGit(repo, homeDir, ['push', 'origin', 'main']);
    expect(pushed.output).toContain('1 image reference was not checked (whenNixMissing: warn)');
    expect(pushed.output).not.toContain('refs/heads/main:');
    expect(pushed.code).toBe(0);
  });

  it('falls back to the Node `nixtag install` ran under, recorded in the hook', () => {
    const repo = staleChangeStaged({ recordedNode: true });
    const homeDir = tempDir('home-');
    writeFiles(homeDir, { '.nix-profile/bin/.keep': '' });
    for (const name of ['nix-instantiate', 'nix-store'])
      symlinkSync(`/usr/bin/${name}`, path.join(homeDir, '.nix-profile', 'bin', name));
    const refused = guiCommit(repo, homeDir, 'stale');
    expect(refused.output).toContain('stale reference');
    expect(refused.code).toBe(1);
  });

  it('with no Node anywhere, the hook says what it tried and that NIXTAG_SKIP=1 skips', () => {
    const repo = staleChangeStaged();
    const refused = guiCommit(repo, tempDir('home-'), 'no node');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      'nixtag: no Node.js found (tried node and nodejs on PATH, volta, fnm, nvm, Homebrew)',
    );
    expect(refused.output).toContain('NIXTAG_SKIP=1');
  });

  it('honours husky’s ~/.config/husky/init.sh, where a GUI user puts the PATH to Node', () => {
    const repo = staleChangeStaged();
    const refused = guiCommit(repo, home({ nix: true, husky: true }), 'stale');
    expect(refused.output).toContain('stale reference');
    expect(refused.code).toBe(1);
  });

  // lefthook and the pre-commit framework's `language: system` run node_modules/.bin/nixtag
  // directly: its `#!/usr/bin/env node` finds the system's Node, and node_modules/.bin is not on PATH.
  it.each([
    ['node_modules/.bin/node', '.bin/node'],
    ['the node package alone', 'node/bin/node'],
  ])('an old node hands over to the Node in the repository’s node_modules: %s', (_case, where) => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) }, { node: false });
    mkdirSync(path.dirname(path.join(repo.dir, 'node_modules', where)), { recursive: true });
    symlinkSync(process.execPath, path.join(repo.dir, 'node_modules', where));
    const env = { HOME: tempDir('home-'), PATH: '/usr/bin:/bin', ...runTemp };
    const direct = spawnSync(path.join(repo.dir, 'node_modules', '.bin', 'nixtag'), ['check'], {
      cwd: repo.dir,
      env,
      encoding: 'utf8',
    });
    expect(direct.stderr).not.toContain('NODE_VERSION');
    expect(direct.stdout).toContain('stale reference');
    expect(direct.status).toBe(1);
    // From a subdirectory too: the repository's node_modules is above it.
    const nested = spawnSync(OLD_NODE, [BIN, 'check'], { cwd: path.join(repo.dir, 'app'), env, encoding: 'utf8' });
    expect(nested.stdout).toContain('stale reference');
    expect(nested.status).toBe(1);
  });

  it('an old `node` first on PATH hands over to a Node >= 22 further on', () => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) }, { node: false });
    const old = tempDir('old-node-');
    symlinkSync(OLD_NODE, path.join(old, 'node'));
    const newer = path.dirname(process.execPath);
    const env = { HOME: tempDir('home-'), PATH: `${old}:/usr/bin:/bin:${newer}`, ...runTemp };
    const result = spawnSync(OLD_NODE, [BIN, 'check'], { cwd: repo.dir, env, encoding: 'utf8' });
    expect(result.stdout).toContain('stale reference');
    expect(result.status).toBe(1);
  });

  it('with only Node 20: --help and --version work, a command says what it tried and how to go on', () => {
    const repo = hookRepo({}, { node: false });
    const env = { HOME: tempDir('home-'), PATH: '/usr/bin:/bin', ...runTemp };
    const run = (args: string[]) => spawnSync(OLD_NODE, [BIN, ...args], { cwd: repo.dir, env, encoding: 'utf8' });
    expect(run(['--version']).status).toBe(0);
    expect(run(['--help']).stdout).toContain('Usage');
    expect(run(['help']).stdout).toContain('Usage');
    const check = run(['check']);
    expect(check.status).toBe(3);
    expect(check.stderr).toContain('nixtag needs Node.js 22 or newer; this is v20');
    expect(check.stderr).toContain('hint: Install Node.js 22 or newer');
    expect(check.stderr).toContain('NIXTAG_SKIP=1');
    const library = spawnSync(
      OLD_NODE,
      [
        '--input-type=module',
        '-e',
        `import(${JSON.stringify(path.join(path.dirname(BIN), '../index.js'))}).catch((error) => console.log(error.code))`,
      ],
      { env, encoding: 'utf8' },
    );
    expect(library.stdout.trim()).toBe('NODE_VERSION');
  });
});
