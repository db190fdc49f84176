import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { STALE } from '../helpers/expressions.js';
import { hookRepo, installHooks, manifest, type HookRepo } from '../helpers/hooks.js';
import { tempDir } from '../helpers/repo.js';

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

/** A home where Node is where nvm puts it and, when asked, Nix where the single-user installer does. */
function home(withNix: boolean): string {
  const dir = tempDir('home-');
  const nvm = path.join(dir, '.nvm', 'versions', 'node', 'v24.0.0', 'bin');
  mkdirSync(nvm, { recursive: true });
  symlinkSync(process.execPath, path.join(nvm, 'node'));
  if (withNix) {
    const nix = path.join(dir, '.nix-profile', 'bin');
    mkdirSync(nix, { recursive: true });
    for (const name of ['nix-instantiate', 'nix-store']) symlinkSync(`/usr/bin/${name}`, path.join(nix, name));
  }
  return dir;
}

/** `git commit` as a GUI client runs it: `env -i HOME=… PATH=<system tools only>`. */
function guiCommit(repo: HookRepo, homeDir: string, message: string) {
  const tools = toolsDir(['git', 'sh', 'ls', 'tr', 'head', 'cat']);
  const result = spawnSync('/usr/bin/env', ['-i', `HOME=${homeDir}`, `PATH=${tools}`, 'git', 'commit', '-m', message], {
    cwd: repo.dir,
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, output: result.stdout + result.stderr };
}

describe('hooks find Node and Nix where their installers put them', () => {
  it('a GUI client’s minimal PATH: Node from nvm, Nix from ~/.nix-profile; stale refused, fresh accepted', () => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    repo.git('config', 'user.name', 'Test');
    repo.git('config', 'user.email', 'test@example.com');
    const tag = repo.tag();
    expect(installHooks(repo, ['--git']).code).toBe(0);
    const homeDir = home(true);
    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', '--all');
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
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    repo.git('config', 'user.name', 'Test');
    repo.git('config', 'user.email', 'test@example.com');
    expect(installHooks(repo, ['--git']).code).toBe(0);
    const homeDir = home(false);
    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', '--all');
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
  });

  it('an old `node` first on PATH hands over to a Node >= 22 further on', () => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    const old = tempDir('old-node-');
    symlinkSync(OLD_NODE, path.join(old, 'node'));
    const newer = path.dirname(process.execPath);
    const env = { HOME: tempDir('home-'), PATH: `${old}:/usr/bin:/bin:${newer}` };
    const result = spawnSync(OLD_NODE, [BIN, 'check'], { cwd: repo.dir, env, encoding: 'utf8' });
    expect(result.stdout).toContain('stale reference');
    expect(result.status).toBe(1);
  });

  it('with only Node 20: --help and --version work, a command says what it tried and how to go on', () => {
    const repo = hookRepo();
    const env = { HOME: tempDir('home-'), PATH: '/usr/bin:/bin' };
    const run = (args: string[]) => spawnSync(OLD_NODE, [BIN, ...args], { cwd: repo.dir, env, encoding: 'utf8' });
    expect(run(['--version']).status).toBe(0);
    expect(run(['--help']).stdout).toContain('Usage');
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
