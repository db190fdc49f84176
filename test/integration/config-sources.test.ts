import { existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo, n2k8sTag, tempDir } from '../helpers/repo.js';
import { hookRepo, installHooks } from '../helpers/hooks.js';
import { freshClone } from '../helpers/trees.js';

const managing = (repository: string) =>
  `images:\n  - name: app\n    nix: default.nix\n    repository: ${repository}\n`;

/**
 * Every file that can change the loaded configuration is an input of the judgement or refused,
 * and the configuration is the judged tree's, as CI's clone holds it (issue 20, item 5).
 */
describe('where the configuration comes from', () => {
  it('--config in the repository is the judged tree’s copy: staged, or at the commit --rev names', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'ci/nixtag.yaml': managing('registry.example.com/team/app'),
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    // Unstaged: a configuration that manages another repository, which the commit will not hold.
    repo.write({ 'ci/nixtag.yaml': managing('registry.example.com/team/other') });
    for (const args of [
      ['check', '--staged'],
      ['check', '--rev', 'HEAD'],
    ]) {
      const result = await nixtag(repo.dir, [...args, '--config', 'ci/nixtag.yaml']);
      expect(result).toMatchObject({ code: 1 });
      expect(result.stdout).toContain('k8s/app.yaml:10:18: stale reference to app');
    }
    // A --config the judged tree does not hold is not CI's: refused.
    repo.write({ 'ci/new.yaml': managing('registry.example.com/team/app') });
    const untracked = await nixtag(repo.dir, ['check', '--staged', '--config', 'ci/new.yaml']);
    expect(untracked.code).toBe(2);
    expect(untracked.stderr).toContain('ci/new.yaml');
  });

  it('refuses a configuration whose name is misspelt (a file or package.json key), also in a hook after a judgement', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'package.json': '{ "name": "app", "private": true }\n',
      // None is a configuration, nor looks like one: a vendored checkout and tarball, an
      // expression and notes named after the tool.
      'nixtag/README.md': 'vendored\n',
      'nixtag-0.1.0.tgz': 'not a tarball\n',
      'nixtag.nix': '{ }\n',
      'NIXTAG.md': 'notes\n',
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    // No configuration: the Nix-hash tag is managed by default, and made current.
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('current tag');
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    for (const [file, content] of [
      ['.nixtag.yaml', managing('registry.example.com/team/app')],
      // Not YAML either: only its name tells the idle hook it may configure nixtag.
      ['.config/nixtagrc.json.bak', JSON.stringify({ images: [{ name: 'app', nix: 'default.nix' }] })],
      [
        'package.json',
        `{ "name": "app", "nixTag": ${JSON.stringify({ images: [{ name: 'app', nix: 'default.nix' }] })} }\n`,
      ],
    ] as const) {
      // A judgement of the tree without it, which an idle hook would answer from.
      expect((await nixtag(repo.dir, ['hook', 'pre-commit'])).code).toBe(0);
      const before = repo.read('package.json');
      repo.write({ [file]: content });
      repo.git('add', '--all');
      for (const args of [['hook', 'pre-commit'], ['check', '--staged'], ['check']]) {
        const refused = await nixtag(repo.dir, args);
        expect(refused.code, `${file}: ${args.join(' ')}`).toBe(2);
        expect(refused.stderr).toContain('[CONFIG_INVALID]');
        expect(refused.stderr).toContain(file === 'package.json' ? '"nixTag"' : file);
      }
      if (file !== 'package.json') rmSync(path.join(repo.dir, file));
      repo.write({ 'package.json': before });
      repo.git('add', '--all');
    }
  });

  it('refuses two configurations cosmiconfig would both find (package.json#nixtag and .nixtagrc.yaml), naming both, also in a hook after a judgement', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'package.json': `{ "name": "app", "nixtag": ${JSON.stringify({ images: [{ name: 'app', nix: 'default.nix', repository: 'registry.example.com/team/app' }] })} }\n`,
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('current tag');
    // A judgement of the tree with package.json alone, which an idle hook would answer from.
    expect((await nixtag(repo.dir, ['hook', 'pre-commit'])).code).toBe(0);
    // An empty file at a search place is none (cosmiconfig passes over it).
    repo.write({ '.nixtagrc.yaml': '\n' });
    repo.git('add', '--all');
    expect((await nixtag(repo.dir, ['check', '--staged'])).code).toBe(0);
    for (const [file, loaded] of [
      ['.nixtagrc.yaml', 'package.json'],
      ['.config/nixtagrc.yml', 'package.json'],
    ] as const) {
      repo.write({ [file]: managing('registry.example.com/team/other') });
      repo.git('add', '--all');
      for (const args of [['hook', 'pre-commit'], ['check', '--staged'], ['check']]) {
        const refused = await nixtag(repo.dir, args);
        expect(refused.code, `${file}: ${args.join(' ')}`).toBe(2);
        expect(refused.stderr).toContain('[CONFIG_TWICE]');
        expect(refused.stderr).toContain(`Two nixtag configurations: ${loaded} (its "nixtag" key) and ${file}`);
      }
      rmSync(path.join(repo.dir, file));
      repo.git('add', '--all');
    }
    // Two files, no package.json key: the same.
    repo.write({ 'package.json': '{ "name": "app" }\n', '.nixtagrc': managing('registry.example.com/team/app') });
    repo.write({ '.nixtagrc.yml': managing('registry.example.com/team/other') });
    repo.git('add', '--all');
    const refused = await nixtag(repo.dir, ['check', '--staged']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Two nixtag configurations: .nixtagrc and .nixtagrc.yml');
    rmSync(path.join(repo.dir, '.nixtagrc.yml'));
    repo.git('add', '--all');
    expect((await nixtag(repo.dir, ['check', '--staged'])).code).toBe(0);
  });

  it('loads the configuration CI’s clone holds: a file git does not track (untracked or ignored) is none, misspelt or invalid; a tracked one is refused, ignored or not', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      '.gitignore': 'nixtag.json\n.nixtagrc.yaml\n',
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('current tag');
    // Ignored (a report written beside the repository's files, a local configuration), or
    // untracked: CI's clone has none of them, so none is refused.
    repo.write({
      'nixtag.json': JSON.stringify({ images: [{ name: 'app', nix: 'default.nix' }] }),
      '.config/nixtagrc.yaml.bak': 'images: []\n',
    });
    const passes = async () => {
      for (const args of [['check', '--no-cache'], ['check'], ['hook', 'pre-commit'], ['check', '--staged']]) {
        const run = await nixtag(repo.dir, args);
        expect([args.join(' '), run.code, run.stderr]).toEqual([args.join(' '), 0, '']);
      }
    };
    await passes();
    repo.write({ '.nixtagrc.yaml': 'images: []\n' });
    await passes();
    // Tracked, though .gitignore names it (added with --force): in CI's clone, so refused.
    for (const [file, error] of [
      ['nixtag.json', 'No nixtag configuration was found, but nixtag.json'],
      ['.config/nixtagrc.yaml.bak', 'No nixtag configuration was found, but .config/nixtagrc.yaml.bak'],
      ['.nixtagrc.yaml', 'Invalid nixtag configuration in .nixtagrc.yaml'],
    ]) {
      if (file !== '.nixtagrc.yaml') rmSync(path.join(repo.dir, '.nixtagrc.yaml'), { force: true });
      else repo.write({ '.nixtagrc.yaml': 'images: []\n' });
      repo.git('add', '--force', file!);
      for (const args of [['check', '--no-cache'], ['check'], ['hook', 'pre-commit']]) {
        const refused = await nixtag(repo.dir, args);
        expect([file, args.join(' '), refused.code], refused.stderr).toEqual([file, args.join(' '), 2]);
        expect(refused.stderr).toContain(`[CONFIG_INVALID]: ${error}`);
      }
      repo.git('rm', '--cached', '--quiet', file!);
    }
  });

  it('never runs or follows cosmiconfig’s meta configuration (.config/config.js)', async () => {
    const marker = path.join(tempDir('marker-'), 'ran');
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': managing('registry.example.com/team/app'),
      'elsewhere.yaml': managing('registry.example.com/team/other'),
      '.config/config.js': `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\nmodule.exports = { cosmiconfig: { searchPlaces: ['elsewhere.yaml'] } };\n`,
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    // Through the built CLI in the repository: cosmiconfig's factory looks in the process's directory.
    const result = nixtagCli(repo.dir, ['check', '--no-cache']);
    expect(existsSync(marker)).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('stale reference to app');
  });

  it('refuses an $import outside the repository: CI’s clone does not have it', async () => {
    const outside = path.join(tempDir('shared-'), 'images.yaml');
    writeFileSync(outside, managing('registry.example.com/team/app'));
    const repo = gitRepo({
      'default.nix': plainImage,
      '.nixtagrc.yaml': `$import: ${JSON.stringify(outside)}\n`,
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    const result = await nixtag(repo.dir, ['check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error [CONFIG_INVALID]');
    expect(result.stderr).toContain('outside the repository');
  });

  it('keys a --config outside the repository by what it imports too', async () => {
    const shared = tempDir('shared-');
    // A data file given with --config is parsed as it is; package.json goes through cosmiconfig's $import.
    writeFileSync(path.join(shared, 'package.json'), JSON.stringify({ nixtag: { $import: './images.yaml' } }));
    const images = (nix: string) =>
      `images:\n  - name: app\n    nix: ${nix}\n    repository: registry.example.com/team/app\n`;
    writeFileSync(path.join(shared, 'images.yaml'), images('default.nix'));
    const repo = gitRepo({
      'default.nix': plainImage,
      'other.nix': plainImage.replace('echo image', 'echo other'),
      'k8s/app.yaml': deployment('registry.example.com/team/app:v1'),
    });
    const config = ['--config', path.join(shared, 'package.json')];
    expect((await nixtag(repo.dir, ['fix', ...config])).code).toBe(0);
    repo.commit('current tags');
    expect((await nixtag(repo.dir, ['hook', 'pre-commit', ...config])).code).toBe(0);
    // Only the imported file changes, to another expression: the remembered verdict must not answer.
    writeFileSync(path.join(shared, 'images.yaml'), images('other.nix'));
    const result = await nixtag(repo.dir, ['hook', 'pre-commit', ...config]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('stale reference to app');
  });

  it('--config through a symlinked path to the repository is still the judged tree’s copy', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'ci/nixtag.yaml': managing('registry.example.com/team/app'),
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    repo.write({ 'ci/nixtag.yaml': managing('registry.example.com/team/other') });
    // A shell's $PWD may name the repository through a symlink: the file is in the repository all the same.
    const link = path.join(tempDir('link-'), 'repo');
    symlinkSync(repo.dir, link);
    const result = await nixtag(repo.dir, ['check', '--staged', '--config', path.join(link, 'ci/nixtag.yaml')]);
    expect(result).toMatchObject({ code: 1 });
    expect(result.stdout).toContain('k8s/app.yaml:10:18: stale reference to app');
  });

  it('refuses a configuration file that is a symlink out of the repository, or to nothing', async () => {
    const outside = path.join(tempDir('shared-'), 'nixtag.yaml');
    writeFileSync(outside, managing('registry.example.com/team/app'));
    const repo = gitRepo({
      'default.nix': plainImage,
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    // In the repository, but by this machine's absolute path: CI's clone has the link alone.
    repo.write({ 'ci/nixtag.yaml': managing('registry.example.com/team/app') });
    repo.git('add', 'ci/nixtag.yaml');
    for (const [place, target] of [
      ['.nixtagrc.yaml', outside],
      ['.config/nixtagrc.yaml', '../missing.yaml'],
      ['.nixtagrc.yml', path.join(repo.dir, 'ci/nixtag.yaml')],
    ] as const) {
      repo.write({ [`${place}.tmp`]: '' });
      repo.git('rm', '--quiet', '--cached', '--ignore-unmatch', `${place}.tmp`);
      symlinkSync(target, path.join(repo.dir, place));
      repo.git('add', '-A');
      for (const args of [['check'], ['check', '--staged'], ['hook', 'pre-commit']]) {
        const result = await nixtag(repo.dir, args);
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(`error [CONFIG_INVALID]: The nixtag configuration ${place} is a symlink`);
      }
      repo.git('rm', '--quiet', '-f', place);
    }
  });

  it('keys a configuration that is a symlink by the file it leads to', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'conf/settings': `images:\n  - name: app\n    nix: default.nix\n    repository: registry.example.com/team/app\n    manifests: ['k8s/a.yaml']\n`,
      'k8s/a.yaml': deployment('registry.example.com/team/app:v1'),
      'k8s/b.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    symlinkSync('conf/settings', path.join(repo.dir, '.nixtagrc.yaml'));
    repo.git('add', '-A');
    expect((await nixtag(repo.dir, ['fix', '--staged'])).code).toBe(0);
    repo.commit('current tags');
    expect((await nixtag(repo.dir, ['hook', 'pre-commit'])).code).toBe(0);
    // Only the file the link leads to changes: it now manages the stale manifest too.
    repo.write({ 'conf/settings': repo.read('conf/settings').replace('k8s/a.yaml', 'k8s/*.yaml') });
    repo.git('add', '-A');
    const result = await nixtag(repo.dir, ['hook', 'pre-commit']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('k8s/b.yaml:10:18: stale reference to app');
  });
});

/**
 * adv13 F11: judging a commit that is not checked out (`check --rev`, a pushed ref) ran its
 * `nixtag.config.js` with the caller's environment. Its code runs only when it is HEAD's.
 */
describe('a configuration that is code, in a commit not checked out', () => {
  const config = (extra: string) =>
    `${extra}\nmodule.exports = { images: [{ name: 'app', nix: 'default.nix', repository: 'registry.example.com/team/app' }] };\n`;

  it('is refused when its code differs from HEAD’s, runs when it is the same or NIXTAG_TRUST_CONFIG=1 (NIXTAG_TRUST_CONFIG_CODE=1, its first name)', async () => {
    const marker = path.join(tempDir('marker-'), 'ran');
    const repo = hookRepo({
      'helper.js': 'module.exports = {};\n',
      'nixtag.config.js': config("require('./helper.js');"),
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('current tag');
    const tag = /app:([a-z0-9]{32})/.exec(repo.read('k8s/app.yaml'))![1];
    // The oracle: n2k8s's command in a fresh clone named source.
    expect(n2k8sTag(freshClone(repo.dir))).toBe(tag);
    const writes = `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');`;
    // The configuration itself changed, or a file it requires.
    repo.git('checkout', '--quiet', '-b', 'config');
    repo.write({ 'nixtag.config.js': config(`require('./helper.js'); ${writes}`) });
    repo.commit('config writes');
    repo.git('checkout', '--quiet', '-b', 'helper', 'main');
    repo.write({ 'helper.js': `${writes}\nmodule.exports = {};\n` });
    repo.commit('helper writes');
    // Only a manifest changed: the same code as HEAD's, judged as before.
    repo.git('checkout', '--quiet', '-b', 'manifest', 'main');
    repo.write({ 'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`) });
    repo.commit('stale');
    repo.git('checkout', '--quiet', 'main');
    // The pre-push hook judging a pushed branch, through a real push.
    expect(installHooks(repo, ['--git', '--pre-push']).code).toBe(0);
    for (const branch of ['config', 'helper']) {
      const push = repo.run(['push', 'origin', branch]);
      expect(push.code).not.toBe(0);
      for (const refused of [await nixtag(repo.dir, ['check', '--rev', branch]), push]) {
        expect(refused.stderr, branch).toContain('[CONFIG_CODE_UNTRUSTED]');
        expect(refused.stderr).toContain('NIXTAG_TRUST_CONFIG=1');
        expect(existsSync(marker), branch).toBe(false);
      }
      // A process of its own: this one's require cache holds the checkout's helper.js.
      const optIn = branch === 'config' ? 'NIXTAG_TRUST_CONFIG' : 'NIXTAG_TRUST_CONFIG_CODE';
      const trusted = nixtagCli(repo.dir, ['check', '--rev', branch], { [optIn]: '1' });
      expect(trusted.code, trusted.stderr).toBe(0);
      expect(existsSync(marker)).toBe(true);
      rmSync(marker);
    }
    const stale = await nixtag(repo.dir, ['check', '--rev', 'manifest']);
    expect(stale.code, stale.stderr).toBe(1);
    expect(stale.stdout).toContain('stale reference to app');
  });
});
