import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, nixtagCliAsync } from '../helpers/cli.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { n2k8sTag, tempDir } from '../helpers/repo.js';
import { appImage, hookRepo, installHooks, type GitResult, type HookRepo } from '../helpers/hooks.js';
import { freshClone } from '../helpers/trees.js';

const IMAGE = 'registry.example.com/team/app';
const images = `[{ name: 'app', nix: 'default.nix', repository: '${IMAGE}' }]`;
const yamlConfig = (extra = '') => `images:\n  - name: app\n    nix: default.nix\n    repository: ${IMAGE}\n${extra}`;

/**
 * A repository whose main holds `files` and the current tag (the oracle: n2k8s's command in a
 * fresh clone named source), with nixtag's git hooks installed.
 */
async function currentRepo(files: Record<string, string>): Promise<HookRepo> {
  const repo = hookRepo({ ...files, 'image.nix': appImage, 'k8s/app.yaml': deployment(`${IMAGE}:${STALE}`) });
  expect((await nixtagCliAsync(repo.dir, ['fix'])).code).toBe(0);
  repo.commit('current tag');
  const tag = /app:([a-z0-9]{32})/.exec(repo.read('k8s/app.yaml'))![1];
  expect(n2k8sTag(freshClone(repo.dir))).toBe(tag);
  expect(installHooks(repo, ['--git']).code).toBe(0);
  return repo;
}

/**
 * currentRepo with a configuration that is code, `require("./images")` (images.js), and what a
 * branch's code would write to show it ran.
 */
async function codeRepo(): Promise<{ repo: HookRepo; marker: string; writes: string }> {
  const marker = path.join(tempDir('marker-'), 'ran');
  const repo = await currentRepo({
    'nixtag.config.js': `module.exports = { images: require('./images') };\n`,
    'images.js': `module.exports = ${images};\n`,
  });
  return { repo, marker, writes: `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');` };
}

/** Commits `files` on a new branch off main (past the hooks: someone else's), and goes back to main. */
function branch(repo: HookRepo, name: string, files: Record<string, string>): void {
  repo.git('checkout', '--quiet', '-b', name, 'main');
  repo.write(files);
  repo.git('add', '--all');
  repo.git('commit', '--quiet', '--no-verify', '-m', name);
  repo.git('checkout', '--quiet', 'main');
}

/** main moves on (through the hooks), so that merging a branch makes a merge commit. */
function mainMoves(repo: HookRepo): void {
  repo.write({ 'README.md': `main moved ${Date.now()}\n` });
  repo.git('add', 'README.md');
  const moved = repo.run(['commit', '--quiet', '-m', 'main moves']);
  expect(moved.code, moved.stderr).toBe(0);
}

/** Undoes a merge in progress (or made), back to `head`. */
function undo(repo: HookRepo, head: string): void {
  repo.git('reset', '--quiet', '--hard', head);
}

const refused = (result: GitResult, code: string) => {
  expect(result.code, result.stdout + result.stderr).not.toBe(0);
  expect(result.stderr).toContain(`[${code}]`);
  expect(result.stderr).toContain('NIXTAG_TRUST_CONFIG=1 git commit');
};

/**
 * adv15 F1: `git merge`, `git pull` and `git merge --squash` + `git commit` of another branch made
 * the installed hooks load that branch's nixtag.config.js (its code ran with the user's
 * environment), which `check --rev` refuses. What a merge brings in is trusted as far as HEAD's.
 */
describe('a merge through the installed hooks', () => {
  it('runs no configuration code the merged branch brings in; HEAD’s, and the user’s own edits, run', async () => {
    const { repo, marker, writes } = await codeRepo();
    branch(repo, 'config', { 'nixtag.config.js': `${writes}\nmodule.exports = { images: require('./images') };\n` });
    // adv15 F8 through a merge: an extensionless file, which Node's require('./images') loads first.
    branch(repo, 'shadow', { images: `${writes}\nmodule.exports = ${images};\n` });
    branch(repo, 'manifest', { 'k8s/other.yaml': repo.read('k8s/app.yaml') });
    mainMoves(repo);
    const head = repo.head();
    for (const name of ['config', 'shadow']) {
      refused(repo.run(['merge', '--no-ff', '--no-edit', name]), 'CONFIG_CODE_UNTRUSTED');
      expect(existsSync(marker), name).toBe(false);
      expect(repo.head()).toBe(head);
      // The merge stops; the hook of `git commit` judges it again, as a merge still.
      refused(repo.run(['commit', '--no-edit']), 'CONFIG_CODE_UNTRUSTED');
      expect(existsSync(marker), name).toBe(false);
      undo(repo, head);
      // A squash merge: pre-commit, with git's SQUASH_MSG.
      expect(repo.run(['merge', '--squash', name]).code).toBe(0);
      refused(repo.run(['commit', '-m', `squash ${name}`]), 'CONFIG_CODE_UNTRUSTED');
      expect(existsSync(marker), name).toBe(false);
      expect(repo.head()).toBe(head);
      undo(repo, head);
    }
    // git pull of the branch from the remote, merged.
    expect(repo.run(['push', '--quiet', '--no-verify', 'origin', 'config']).code).toBe(0);
    refused(repo.run(['pull', '--no-rebase', '--no-edit', 'origin', 'config']), 'CONFIG_CODE_UNTRUSTED');
    expect(existsSync(marker)).toBe(false);
    undo(repo, head);
    // A hook of one's own running `check --staged` for a merge (the pre-commit framework's
    // merge-commit stage): git has not written MERGE_HEAD yet, but names the merged heads to it.
    const hook = path.join(repo.dir, '.git', 'hooks', 'pre-merge-commit');
    const installed = readFileSync(hook, 'utf8');
    writeFileSync(hook, `#!/bin/sh\nexec '${process.execPath}' '${BIN}' check --staged\n`);
    refused(repo.run(['merge', '--no-ff', '--no-edit', 'config']), 'CONFIG_CODE_UNTRUSTED');
    expect(existsSync(marker)).toBe(false);
    undo(repo, head);
    writeFileSync(hook, installed);
    // A merge that leaves the code HEAD's is judged as before.
    const merged = repo.run(['merge', '--no-ff', '--no-edit', 'manifest']);
    expect(merged.code, merged.stderr).toBe(0);
    // Trusted once read: the opt-in commits the merge with the branch's code.
    undo(repo, head);
    expect(repo.run(['merge', '--no-ff', '--no-edit', 'config']).code).not.toBe(0);
    const trusted = repo.run(['commit', '--no-edit'], { env: { NIXTAG_TRUST_CONFIG: '1' } });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
    undo(repo, head);
    // The user's own edit of the configuration, committed through the hook: runs, as ever.
    repo.write({
      'nixtag.config.js': `const own = require('./own');\nmodule.exports = { images: require('./images') };\n`,
      own: 'module.exports = 1;\n',
    });
    repo.git('add', '--all');
    const own = repo.run(['commit', '-m', 'my own configuration']);
    expect(own.code, own.stderr).toBe(0);
  });

  it('loosens no confinement the merged branch asks for (its Nix would read this machine’s files)', async () => {
    const repo = await currentRepo({ '.nixtagrc.yaml': yamlConfig(), 'default.nix': 'import ./image.nix {}\n' });
    const secret = path.join(tempDir('secret-'), 'token');
    const token = `s3cr3t-${process.pid}-${Date.now()}`;
    writeFileSync(secret, `${token}\n`);
    // Only YAML and Nix: the expression reads a file outside the repository and says what it holds.
    branch(repo, 'leak', {
      '.nixtagrc.yaml': yamlConfig('evaluation:\n  restrictEval: false\n'),
      'default.nix': `let s = builtins.readFile ${secret}; in builtins.throw "leak:\${s}"\n`,
    });
    mainMoves(repo);
    const head = repo.head();
    const merge = repo.run(['merge', '--no-ff', '--no-edit', 'leak']);
    refused(merge, 'CONFIG_UNTRUSTED');
    expect(merge.stderr).toContain('.nixtagrc.yaml:6:');
    expect(merge.stdout + merge.stderr).not.toContain(token);
    undo(repo, head);
    expect(repo.run(['merge', '--squash', 'leak']).code).toBe(0);
    const squash = repo.run(['commit', '-m', 'squash leak']);
    refused(squash, 'CONFIG_UNTRUSTED');
    expect(squash.stdout + squash.stderr).not.toContain(token);
    undo(repo, head);
    // The user's own loosening, in a commit of their own: obeyed, as HEAD's configuration then is.
    repo.write({ '.nixtagrc.yaml': yamlConfig('evaluation:\n  restrictEval: false\n') });
    repo.git('add', '--all');
    const own = repo.run(['commit', '-m', 'my own loosening']);
    expect(own.code, own.stderr).toBe(0);
    rmSync(secret);
  });
});

/**
 * adv15 F8: the --rev trust rule compared only files with code extensions: HEAD's
 * `require("./images")` loaded a fetched commit's extensionless `images` (Node tries the exact
 * name first). A file the configuration's code loads is refused whatever its name; other files
 * that differ do not stop HEAD's code from running.
 */
describe('check --rev of a commit whose configuration is HEAD’s code', () => {
  it('refuses a file its code loads that differs from HEAD’s, whatever its name', async () => {
    const { repo, marker, writes } = await codeRepo();
    branch(repo, 'shadow', { images: `${writes}\nmodule.exports = ${images};\n` });
    // Extensionless files the configuration does not load, and a stale tag: judged with HEAD's code.
    branch(repo, 'notes', { NOTES: `${writes}\n`, 'k8s/app.yaml': deployment(`${IMAGE}:${STALE}`) });
    const shadow = await nixtagCliAsync(repo.dir, ['check', '--rev', 'shadow']);
    expect(shadow.code, shadow.stderr).toBe(2);
    expect(shadow.stderr).toContain("[CONFIG_CODE_UNTRUSTED]: The configuration's code loads images, which differs");
    expect(existsSync(marker)).toBe(false);
    const notes = await nixtagCliAsync(repo.dir, ['check', '--rev', 'notes']);
    expect(notes.code, notes.stderr).toBe(1);
    expect(notes.stdout).toContain('stale reference to app');
    expect(existsSync(marker)).toBe(false);
    const trusted = await nixtagCliAsync(repo.dir, ['check', '--rev', 'shadow'], { NIXTAG_TRUST_CONFIG: '1' });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });
});
