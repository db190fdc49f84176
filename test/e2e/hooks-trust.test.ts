import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { STALE } from '../helpers/expressions.js';
import { hookEnv, hookRepo, manifest, SYSTEM_PATH, type GitResult } from '../helpers/hooks.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

function spawn(cwd: string, command: string, args: string[], env: Record<string, string>): GitResult {
  const result = spawnSync(command, args, { cwd, env: hookEnv(env), encoding: 'utf8', input: '' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A user-level git configuration (as ~/.gitconfig) whose core.hooksPath is a company's hooks folder, with one hook in it. */
function companyHooks(): { env: Record<string, string>; hooks: string; hook: string } {
  const home = tempDir('home-');
  const hooks = path.join(home, 'hooks');
  mkdirSync(hooks);
  const hook = '#!/bin/sh\necho company hook ran\n';
  writeFileSync(path.join(hooks, 'pre-commit'), hook, { mode: 0o755 });
  writeFileSync(path.join(home, 'gitconfig'), `[core]\n\thooksPath = ${hooks}\n`);
  return { env: { GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig') }, hooks, hook };
}

describe('nixtag install --git and a core.hooksPath that is not the repository own', () => {
  it('refuses the global one, leaving it as it was; the hint says how to install for this repository alone, or for all', () => {
    const company = companyHooks();
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    const install = (args: string[]) => spawn(repo.dir, process.execPath, [BIN, 'install', ...args], company.env);
    const refused = install(['--git', '--pre-push']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('[HOOKS_PATH_SHARED]');
    expect(refused.stderr).toContain(`to ${company.hooks}`);
    expect(refused.stderr).toContain('(global configuration)');
    expect(refused.stderr).toContain('--shared-hooks');
    expect(readdirSync(company.hooks)).toEqual(['pre-commit']);
    expect(readFileSync(path.join(company.hooks, 'pre-commit'), 'utf8')).toBe(company.hook);
    // Another repository of the same user still commits with the company's hook alone.
    const other = gitRepo({ 'README.md': 'x\n' });
    other.write({ 'README.md': 'y\n' });
    expect(spawn(other.dir, 'git', ['commit', '-qam', 'other'], company.env).code).toBe(0);

    // The hint's way: a hooks folder of the repository's own, then nixtag installs there and runs.
    const own = /git config core\.hooksPath (\S+)`/.exec(refused.stderr)?.[1];
    expect(own).toBe(path.join(repo.dir, '.git', 'hooks'));
    repo.git('config', 'core.hooksPath', own!);
    expect(install(['--git']).code).toBe(0);
    expect(readdirSync(company.hooks)).toEqual(['pre-commit']);
    repo.write({ 'README.md': 'x\n' });
    repo.git('add', 'README.md');
    const commit = repo.run(['commit', '-m', 'stale'], { env: company.env });
    expect(commit.code).not.toBe(0);
    expect(commit.stdout + commit.stderr).toContain('stale reference');
  });

  it('installs into the global one with --shared-hooks, keeping the company hook and running it first', () => {
    const company = companyHooks();
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    const installed = spawn(repo.dir, process.execPath, [BIN, 'install', '--git', '--shared-hooks'], company.env);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('chained');
    expect(readFileSync(path.join(company.hooks, 'pre-commit.nixtag-chained'), 'utf8')).toBe(company.hook);
    expect(readFileSync(path.join(company.hooks, 'pre-commit'), 'utf8')).toContain('# nixtag:managed');
    repo.write({ 'README.md': 'x\n' });
    repo.git('add', 'README.md');
    const commit = repo.run(['commit', '-m', 'stale'], { env: company.env });
    expect(commit.code).not.toBe(0);
    expect(commit.stdout + commit.stderr).toContain('company hook ran');
  });

  it('refuses a core.hooksPath of the repository configuration that leads out of the repository', () => {
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE) });
    const outside = tempDir('hooks-');
    repo.git('config', 'core.hooksPath', outside);
    const refused = spawn(repo.dir, process.execPath, [BIN, 'install', '--git'], {});
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('[HOOKS_PATH_SHARED]');
    expect(refused.stderr).toContain('(local configuration)');
    expect(readdirSync(outside)).toEqual([]);
    // A folder in the repository is its own: `.githooks`, tracked.
    repo.git('config', 'core.hooksPath', '.githooks');
    expect(spawn(repo.dir, process.execPath, [BIN, 'install', '--git'], {}).code).toBe(0);
    expect(existsSync(path.join(repo.dir, '.githooks', 'pre-commit'))).toBe(true);
  });

  /**
   * adv15 F17: into a hooks folder the repository tracks (the team's `.githooks`), `install --git`
   * rewrote the team's tracked pre-commit in place: the next `git commit -a` gave every clone
   * nixtag's hook, which refuses commits where nixtag is not installed.
   */
  it('refuses a core.hooksPath folder the repository tracks, leaving the team’s hooks untouched; --shared-hooks installs there', () => {
    const team = '#!/bin/sh\necho "team hook ran"\n';
    const repo = hookRepo({ 'k8s/deployment.yaml': manifest(STALE), '.githooks/pre-commit': team });
    chmodSync(path.join(repo.dir, '.githooks', 'pre-commit'), 0o755);
    repo.commit('the team hook runs');
    repo.git('config', 'core.hooksPath', '.githooks');
    const refused = spawn(repo.dir, process.execPath, [BIN, 'install', '--git'], {});
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      '[HOOKS_PATH_TRACKED]: core.hooksPath is .githooks, a folder this repository tracks',
    );
    expect(refused.stderr).toContain('nixtag hook pre-commit` in .githooks/pre-commit');
    expect(readdirSync(path.join(repo.dir, '.githooks'))).toEqual(['pre-commit']);
    expect(readFileSync(path.join(repo.dir, '.githooks', 'pre-commit'), 'utf8')).toBe(team);
    expect(repo.git('status', '--porcelain', '--', '.githooks')).toBe('');
    // On purpose: the team's hook kept beside nixtag's, both changes to commit.
    const shared = spawn(repo.dir, process.execPath, [BIN, 'install', '--git', '--shared-hooks'], {});
    expect(shared.code, shared.stderr).toBe(0);
    expect(readFileSync(path.join(repo.dir, '.githooks', 'pre-commit.nixtag-chained'), 'utf8')).toBe(team);
    expect(readFileSync(path.join(repo.dir, '.githooks', 'pre-commit'), 'utf8')).toContain('# nixtag:managed');
  });
});

/**
 * Someone else's repository that commits node_modules/.bin/nixtag (and node) with `git add -f`:
 * each writes `marker` when run. Cloned; nixtag's plain hooks installed in the clone.
 */
function untrustedClone(prePush = false, folder = 'node_modules'): { clone: string; marker: string; remote: string } {
  const marker = path.join(tempDir('marker-'), 'ran');
  const source = gitRepo({ 'README.md': 'readme\n', '.gitignore': 'node_modules\n' });
  mkdirSync(path.join(source.dir, folder, '.bin'), { recursive: true });
  for (const name of ['nixtag', 'node']) {
    const file = path.join(source.dir, folder, '.bin', name);
    writeFileSync(file, `#!/bin/sh\necho "$0" >> '${marker}'\nexit 0\n`);
    chmodSync(file, 0o755);
  }
  source.git('add', '--force', '--all');
  source.git('commit', '--quiet', '-m', 'innocent');
  const clone = path.join(tempDir('clone-'), 'clone');
  execFileSync('git', ['clone', '--quiet', source.dir, clone], { env: hookEnv() });
  const remote = path.join(tempDir('remote-'), 'remote.git');
  execFileSync('git', ['init', '--quiet', '--bare', remote], { env: hookEnv() });
  execFileSync('git', ['remote', 'add', 'mine', remote], { cwd: clone, env: hookEnv() });
  const args = [BIN, 'install', '--git', ...(prePush ? ['--pre-push'] : [])];
  expect(spawn(clone, process.execPath, args, {}).code).toBe(0);
  return { clone, marker, remote };
}

/** A folder with nixtag in it, as a global npm install puts it on PATH. */
function globalNixtag(): string {
  const bin = tempDir('global-bin-');
  symlinkSync(BIN, path.join(bin, 'nixtag'));
  return bin;
}

describe('the plain hooks never run a nixtag or node the repository tracks', () => {
  it('git commit and git push take nixtag from elsewhere on PATH', () => {
    const { clone, marker } = untrustedClone(true);
    const env = { PATH: `${globalNixtag()}${path.delimiter}${SYSTEM_PATH}` };
    writeFileSync(path.join(clone, 'README.md'), 'my change\n');
    const commit = spawn(clone, 'git', ['commit', '-qam', 'my change'], env);
    expect(commit.stderr).not.toContain('tracks files under node_modules');
    expect(commit.code).toBe(0);
    // nixtag itself ran: it told of no configuration.
    expect(commit.stdout + commit.stderr).toContain('nothing is managed');
    const push = spawn(clone, 'git', ['push', '--quiet', 'mine', 'HEAD:refs/heads/main'], env);
    expect(push.code).toBe(0);
    expect(push.stdout + push.stderr).toContain('nothing is managed');
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses the commit when the tracked one is the only nixtag, naming why', () => {
    const { clone, marker } = untrustedClone();
    writeFileSync(path.join(clone, 'README.md'), 'my change\n');
    const commit = spawn(clone, 'git', ['commit', '-qam', 'my change'], {});
    expect(commit.code).not.toBe(0);
    expect(commit.stderr).toContain(
      'nixtag: this repository tracks files under node_modules, so no nixtag or Node there is run',
    );
    expect(existsSync(marker)).toBe(false);
  });

  /**
   * adv15 F12: the guard asked git case-sensitively, so a tracked Node_modules/.bin/nixtag was not
   * seen, while macOS's and Windows' file systems open it as node_modules/.bin/nixtag. That lookup
   * is stood in for by an untracked link node_modules -> Node_modules (git sets core.ignoreCase there).
   */
  it('sees a tracked Node_modules of another case, which a case-insensitive file system opens', () => {
    const { clone, marker } = untrustedClone(false, 'Node_modules');
    execFileSync('git', ['config', 'core.ignoreCase', 'true'], { cwd: clone, env: hookEnv() });
    symlinkSync('Node_modules', path.join(clone, 'node_modules'));
    writeFileSync(path.join(clone, 'README.md'), 'my change\n');
    const refused = spawn(clone, 'git', ['commit', '-qam', 'my change'], {});
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('nixtag: this repository tracks files under node_modules');
    expect(existsSync(marker)).toBe(false);
    const env = { PATH: `${globalNixtag()}${path.delimiter}${SYSTEM_PATH}` };
    const commit = spawn(clone, 'git', ['commit', '-qam', 'my change'], env);
    expect(commit.code, commit.stderr).toBe(0);
    expect(commit.stdout + commit.stderr).toContain('nothing is managed');
    expect(existsSync(marker)).toBe(false);
  });
});
