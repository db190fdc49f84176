import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openRepository } from '../../src/git/repository.js';
import { judgedTree } from '../../src/tree/judgedTree.js';
import type { TreeSource } from '../../src/tree/source.js';
import { freshenIndex } from '../../src/tree/checkoutRepository.js';
import { checkoutDirectory, materializeTree } from '../../src/tree/checkout.js';
import { treeRecords } from '../../src/tree/records.js';
import { gitRepo, tempDir, writeFiles, type TestRepo } from '../helpers/repo.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';

const CLI_CONFIG = 'images:\n  - name: app\n    nix: default.nix\n    repository: registry.example.com/app\n';
import { cleanGitEnv, describeTree, freshClone, LFS_FILTER, submoduleGitFiles, tektonClone } from '../helpers/trees.js';

/** A library repository, added to `repo` as the submodule `vendor/lib`; with `nested`, one of its own. */
function addSubmodule(repo: TestRepo, nested = false): TestRepo {
  const lib = gitRepo({ 'lib.nix': '{ version = "1"; }\n', 'notes.txt': 'line\n' }, 'lib');
  if (nested) {
    const deep = gitRepo({ 'deep.txt': 'a submodule of a submodule\n' }, 'deep');
    lib.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', deep.dir, 'deep');
    lib.commit('nested');
  }
  repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'vendor/lib');
  repo.git('-c', 'protocol.file.allow=always', 'submodule', 'update', '--quiet', '--init', '--recursive');
  return lib;
}

/**
 * A repository that would check out differently under its user's configuration than in CI's clone:
 * eol, ident and working-tree-encoding attributes, an LFS pointer, and in its own config
 * core.autocrlf, a smudge filter and sparse-checkout patterns; with a submodule.
 */
function awkwardRepo(): { repo: TestRepo; lib: TestRepo } {
  const repo = gitRepo();
  repo.write({
    '.gitattributes': [
      '*.crlf text eol=crlf',
      '*.id ident',
      '*.utf16 text working-tree-encoding=UTF-16LE',
      '*.bin filter=lfs diff=lfs merge=lfs -text',
      '*.up filter=upper',
      '',
    ].join('\n'),
    'src/a.crlf': 'one\ntwo\n',
    'src/plain.txt': 'plain\nlines\n',
    'version.id': 'version $Id$\n',
    'big.bin': 'version https://git-lfs.github.com/spec/v1\noid sha256:0000\nsize 4\n',
    'shout.up': 'quiet\n',
    'outside/sparse.txt': 'left out by the user sparse patterns\n',
  });
  writeFileSync(path.join(repo.dir, 'text.utf16'), Buffer.from('h\u00e9llo\n', 'utf16le'));
  repo.commit('initial');
  const lib = addSubmodule(repo, true);
  repo.commit('submodule');
  // The user's own configuration, none of which CI's clone has.
  repo.git('config', 'core.autocrlf', 'true');
  repo.git('config', 'filter.upper.smudge', 'tr a-z A-Z');
  repo.git('config', 'filter.upper.clean', 'cat');
  repo.git('config', 'filter.lfs.smudge', 'echo SMUDGED');
  repo.git('sparse-checkout', 'set', '--no-cone', '/src/', '/vendor/', '/*.*', '/.git*');
  return { repo, lib };
}

const CHECKOUT = { checkoutName: 'source', submodules: true };

async function checkout(repo: TestRepo, source: TreeSource): Promise<string> {
  const repository = await openRepository(repo.dir);
  return checkoutDirectory(materializeTree(repository, judgedTree(repository, source), CHECKOUT));
}

/** nixtag's checkout of `source` holds what a fresh recursive clone of HEAD holds, and is clean. */
async function expectClone(repo: TestRepo, source: TreeSource): Promise<string> {
  const dir = await checkout(repo, source);
  const clone = freshClone(repo.dir);
  expect(describeTree(dir)).toEqual(describeTree(clone));
  // A submodule's .git is a gitfile naming its git dir under the superproject's .git/modules.
  expect(submoduleGitFiles(dir)).toEqual(submoduleGitFiles(clone));
  await freshenIndex(dir); // as an evaluation that reads git does first (the index is kept from then on)
  const status = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--ignore-submodules=none'], {
    env: cleanGitEnv(),
    encoding: 'utf8',
  });
  expect(status).toBe('');
  return dir;
}

describe("nixtag's checkout is CI's clone", () => {
  it('applies .gitattributes and submodules, never the user config or sparse patterns, full and incremental', async () => {
    const { repo, lib } = awkwardRepo();
    const full = await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    // What makes the fixture worth having: the attributes did convert, and the submodule is there.
    expect(readFileSync(path.join(full, 'src/a.crlf'), 'utf8')).toBe('one\r\ntwo\r\n');
    expect(readFileSync(path.join(full, 'version.id'), 'utf8')).toMatch(/^version \$Id: [0-9a-f]{40} \$\n$/);
    expect(readFileSync(path.join(full, 'shout.up'), 'utf8')).toBe('quiet\n');
    expect(readFileSync(path.join(full, 'vendor/lib/lib.nix'), 'utf8')).toContain('version = "1"');
    expect(readFileSync(path.join(full, 'vendor/lib/deep/deep.txt'), 'utf8')).toContain('of a submodule');
    expect(readFileSync(path.join(full, 'outside/sparse.txt'), 'utf8')).toContain('left out');
    expect(readFileSync(path.join(full, 'text.utf16'))).toEqual(Buffer.from('h\u00e9llo\n', 'utf16le'));
    await expectClone(repo, { kind: 'index' });

    // Incremental updates: files changed, added and deleted, a new submodule commit.
    repo.write({ 'src/a.crlf': 'one\nthree\n', 'src/new.crlf': 'new\n', 'version.id': 'v2 $Id$\n' });
    repo.git('rm', '--quiet', 'src/plain.txt');
    lib.write({ 'lib.nix': '{ version = "2"; }\n' });
    lib.commit('v2');
    repo.git('-C', 'vendor/lib', 'pull', '--quiet', lib.dir, 'main');
    repo.git('add', '--all', 'src', 'version.id', 'vendor/lib');
    await expectClone(repo, { kind: 'rev', rev: 'HEAD' }); // HEAD as it was: still the same
    repo.git('commit', '--quiet', '-m', 'changes');
    await expectClone(repo, { kind: 'index' });
    const updated = await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    expect(readFileSync(path.join(updated, 'vendor/lib/lib.nix'), 'utf8')).toContain('version = "2"');

    // A changed .gitattributes converts files it did not touch otherwise: the checkout starts over.
    repo.write({ '.gitattributes': '*.crlf text eol=lf\n' });
    repo.commit('attributes');
    const after = await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    expect(readFileSync(path.join(after, 'src/a.crlf'), 'utf8')).toBe('one\nthree\n');
  });

  it('without .gitattributes writes blobs directly, as git would', async () => {
    const repo = gitRepo({ 'a.txt': 'a\r\nb\n', 'dir/b.txt': 'b\n', 'run.sh': 'echo\n' });
    repo.git('config', 'core.autocrlf', 'true');
    await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    repo.write({ 'a.txt': 'a\nchanged\r\n', 'dir/c.txt': 'c\n' });
    rmSync(path.join(repo.dir, 'dir/b.txt'));
    repo.commit('change');
    await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
  });

  it('keeps a directory that replaced a file of the same name, with .gitattributes (read-tree updates)', async () => {
    const repo = gitRepo({ '.gitattributes': '* text=auto\n', lib: 'a file\n', 'link-to': 'x\n' });
    await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    await expectClone(repo, { kind: 'index' });
    repo.git('rm', '--quiet', 'lib', 'link-to');
    repo.write({ 'lib/z.txt': 'now a directory\n', 'link-to/inside.txt': 'also\n' });
    repo.commit('file to directory');
    await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    await expectClone(repo, { kind: 'index' });
  });

  it('moves a submodule the repository says to ignore (ignore = all), as a clone checks it out', async () => {
    const repo = gitRepo({ 'default.nix': '{}\n' });
    const lib = addSubmodule(repo);
    repo.git('config', '-f', '.gitmodules', 'submodule.vendor/lib.ignore', 'all');
    repo.commit('submodule, ignored');
    await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    await expectClone(repo, { kind: 'index' });
    lib.write({ 'lib.nix': '{ version = "2"; }\n' });
    lib.commit('v2');
    repo.git('-C', 'vendor/lib', 'pull', '--quiet', lib.dir, 'main');
    repo.git('add', 'vendor/lib');
    repo.git('commit', '--quiet', '-m', 'bump');
    for (const source of [{ kind: 'rev' as const, rev: 'HEAD' }, { kind: 'index' as const }]) {
      const dir = await expectClone(repo, source);
      expect(readFileSync(path.join(dir, 'vendor/lib/lib.nix'), 'utf8')).toContain('version = "2"');
    }
  });

  it('writes names and link targets that are not UTF-8 byte for byte, full and incremental', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    await checkout(repo, { kind: 'rev', rev: 'HEAD' });
    await checkout(repo, { kind: 'index' });
    const latin1 = Buffer.from('caf\xe9', 'latin1');
    writeFileSync(Buffer.concat([Buffer.from(`${repo.dir}/`), latin1, Buffer.from('.txt')]), 'x\n');
    symlinkSync(latin1, path.join(repo.dir, 'link'));
    repo.commit('latin-1 names');
    // Names as bytes (describeTree reads them as text, where every invalid byte looks alike).
    const names = (dir: string) =>
      readdirSync(dir, { encoding: 'buffer' })
        .filter((name) => name.toString() !== '.git')
        .map((name) => name.toString('hex'))
        .sort();
    const clone = freshClone(repo.dir);
    for (const source of [{ kind: 'rev' as const, rev: 'HEAD' }, { kind: 'index' as const }]) {
      const dir = await checkout(repo, source); // an update of the checkout above
      expect(names(dir)).toEqual(names(clone));
      expect(readlinkSync(path.join(dir, 'link'), { encoding: 'buffer' })).toEqual(latin1);
    }
  });

  it('holds LFS pointers as a clone without git-lfs does, and their content when lfs is configured', async () => {
    // The user's clone has git-lfs (a `git lfs install` of its own): the file is committed as a
    // pointer, its content kept under .git/lfs.
    const repo = gitRepo({ 'a.txt': 'a\n' });
    for (const [key, value] of LFS_FILTER) repo.git('config', key, value);
    repo.write({ '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n', 'model.bin': 'the weights, v1\n' });
    repo.commit('lfs');
    expect(repo.git('show', 'HEAD:model.bin')).toMatch(/^version https:\/\/git-lfs/);
    const repository = await openRepository(repo.dir);
    const made = (source: TreeSource, lfs: boolean) =>
      checkoutDirectory(materializeTree(repository, judgedTree(repository, source), { ...CHECKOUT, lfs }));
    for (const source of [{ kind: 'rev' as const, rev: 'HEAD' }, { kind: 'index' as const }]) {
      const plain = await made(source, false);
      expect(describeTree(plain)).toEqual(describeTree(freshClone(repo.dir))); // pointers
      expect(readFileSync(path.join(await made(source, true), 'model.bin'), 'utf8')).toBe('the weights, v1\n');
    }
    // An update keeps smudging, and the checkout stays clean for git (and so for fetchGit).
    repo.write({ 'model.bin': 'the weights, v2\n' });
    repo.commit('v2');
    for (const source of [{ kind: 'rev' as const, rev: 'HEAD' }, { kind: 'index' as const }]) {
      const dir = await made(source, true);
      expect(readFileSync(path.join(dir, 'model.bin'), 'utf8')).toBe('the weights, v2\n');
      await freshenIndex(dir);
      const status = execFileSync('git', ['-C', dir, 'status', '--porcelain'], {
        env: cleanGitEnv(),
        encoding: 'utf8',
      });
      expect(status).toBe('');
    }
  });

  it('leaves out a file only intended to be added (git add -N), as the commit does, full and incremental', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n', 'dir/b.txt': 'b\n' });
    await expectClone(repo, { kind: 'index' }); // the first, full checkout
    repo.write({ 'dir/intended.txt': 'not staged yet\n', 'c.txt': 'c\n' });
    repo.git('add', '--intent-to-add', 'dir/intended.txt');
    repo.git('add', 'c.txt');
    repo.git('commit', '--quiet', '-m', 'c, and dir/intended.txt only intended');
    expect(repo.git('ls-tree', '-r', '--name-only', 'HEAD')).not.toContain('intended');
    await expectClone(repo, { kind: 'index' }); // an update: the index still lists the intent
    rmSync(treeRecords(path.join(repo.dir, '.git')).slot('index'), { recursive: true, force: true });
    await expectClone(repo, { kind: 'index' }); // a full checkout again
  });

  it("reads no attributes file of the user's ($XDG_CONFIG_HOME/git/attributes, ~/.config/git/attributes)", async () => {
    const repo = gitRepo({ 'a.txt': 'one\ntwo\n', 'b.crlf': 'x\n' });
    repo.write({ '.gitattributes': '*.crlf text eol=crlf\n' }); // updates through git read-tree too
    const xdg = tempDir('xdg-');
    const home = tempDir('home-');
    writeFiles(xdg, { 'git/attributes': '*.txt eol=crlf\n' });
    writeFiles(home, { '.config/git/attributes': '*.txt eol=crlf\n' });
    for (const env of [{ XDG_CONFIG_HOME: xdg }, { HOME: home, XDG_CONFIG_HOME: '' }]) {
      vi.stubEnv('HOME', env.HOME ?? process.env.HOME);
      vi.stubEnv('XDG_CONFIG_HOME', env.XDG_CONFIG_HOME);
      try {
        // What makes the fixture worth having: git does read that file where nothing says otherwise.
        const user = freshClone(repo.dir);
        expect(readFileSync(path.join(user, 'a.txt'), 'utf8')).toBe('one\r\ntwo\r\n');
      } finally {
        vi.unstubAllEnvs();
      }
    }
    for (const [round, env] of [{ XDG_CONFIG_HOME: xdg }, { HOME: home, XDG_CONFIG_HOME: '' }].entries()) {
      rmSync(path.join(repo.dir, '.git', 'nixtag'), { recursive: true, force: true });
      repo.write({ 'a.txt': `round ${round}\n` });
      repo.commit('round');
      const expected = describeTree(freshClone(repo.dir));
      const expectedLater = (() => {
        repo.write({ 'a.txt': `round ${round}\nchanged\n`, 'c.txt': `${round}\n` });
        repo.commit('change');
        return describeTree(freshClone(repo.dir));
      })();
      vi.stubEnv('HOME', env.HOME ?? process.env.HOME);
      vi.stubEnv('XDG_CONFIG_HOME', env.XDG_CONFIG_HOME);
      try {
        expect(describeTree(await checkout(repo, { kind: 'rev', rev: 'HEAD~1' }))).toEqual(expected); // full
        expect(describeTree(await checkout(repo, { kind: 'rev', rev: 'HEAD' }))).toEqual(expectedLater); // update
        expect(describeTree(await checkout(repo, { kind: 'index' }))).toEqual(expectedLater);
        expect(describeTree(await checkout(repo, { kind: 'worktree' }))).toEqual(expectedLater);
      } finally {
        vi.unstubAllEnvs();
      }
    }
  });

  it("refuses a gitlink no .gitmodules section names (an embedded repository `git add` took in): CI's clone step stops on it", async () => {
    const repo = gitRepo({ 'default.nix': plainImage });
    repo.git('config', 'advice.addEmbeddedRepo', 'false');
    repo.git('init', '--quiet', 'lib');
    writeFiles(path.join(repo.dir, 'lib'), { 'f.txt': 'x\n' });
    repo.git('-C', 'lib', 'add', '--all');
    repo.git('-C', 'lib', 'commit', '--quiet', '-m', 'embedded');
    repo.commit('embedded repository'); // git add --all: a gitlink, and only a warning
    expect(repo.git('ls-files', '--stage', 'lib')).toMatch(/^160000 /);
    // The oracles: a bare recursive clone leaves it empty and exits 0; Tekton's git-clone (and
    // `git submodule update --init --recursive`) exit 128, "No url found for submodule path 'lib'".
    expect(readdirSync(path.join(freshClone(repo.dir), 'lib'))).toEqual([]);
    expect(() => tektonClone(repo.dir)).toThrow();
    const plain = freshClone(repo.dir, false);
    expect(() =>
      execFileSync('git', ['submodule', 'update', '--init', '--recursive'], {
        cwd: plain,
        env: cleanGitEnv(),
        stdio: 'ignore',
      }),
    ).toThrow();
    for (const source of [{ kind: 'rev', rev: 'HEAD' }, { kind: 'index' }, { kind: 'worktree' }] as const) {
      await expect(checkout(repo, source)).rejects.toMatchObject({
        code: 'SUBMODULE_UNCLONABLE',
        message: expect.stringContaining('Gitlink lib has no entry in .gitmodules'),
        location: { file: 'lib' },
        hint: expect.stringContaining('git rm --cached lib'),
      });
    }
    // The CLI: check and the hook refuse (exit 2), whatever the manifests say.
    repo.write({ 'k8s/app.yaml': deployment('registry.example.com/app:v1'), '.nixtagrc.yaml': CLI_CONFIG });
    repo.commit('a manifest');
    for (const command of [['check'], ['hook', 'pre-commit']]) {
      const run = await nixtag(repo.dir, command);
      expect(run.code, run.stdout + run.stderr).toBe(2);
      expect(run.stderr).toContain('nixtag: error [SUBMODULE_UNCLONABLE]: Gitlink lib has no entry in .gitmodules');
    }
    // Without submodules, as a CI clone that does not fetch them: the gitlink is an empty directory.
    const repository = await openRepository(repo.dir);
    const tree = judgedTree(repository, { kind: 'rev', rev: 'HEAD' });
    const dir = await checkoutDirectory(materializeTree(repository, tree, { ...CHECKOUT, submodules: false }));
    expect(describeTree(dir)).toEqual(describeTree(freshClone(repo.dir, false)));
  });

  it('leaves empty a submodule with update = none, full and incremental; refuses one whose .gitmodules section was removed', async () => {
    const repo = gitRepo({ 'default.nix': '{}\n' });
    addSubmodule(repo, true);
    repo.commit('submodule');
    const full = await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    expect(readdirSync(path.join(full, 'vendor/lib/deep'))).toContain('deep.txt');
    // update = none: an incremental update sees only .gitmodules change, and must empty the submodule.
    repo.git('config', '-f', '.gitmodules', 'submodule.vendor/lib.update', 'none');
    repo.commit('update = none');
    const skipped = await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    expect(readdirSync(path.join(skipped, 'vendor/lib'))).toEqual([]);
    await expectClone(repo, { kind: 'index' });
    // Back to a checkout: filled again.
    repo.git('config', '-f', '.gitmodules', '--unset', 'submodule.vendor/lib.update');
    repo.commit('update again');
    expect(readdirSync(path.join(await expectClone(repo, { kind: 'rev', rev: 'HEAD' }), 'vendor/lib'))).toContain(
      'lib.nix',
    );
    // The section removed: the gitlink stays, and CI's clone step (Tekton's git-clone) stops on it.
    repo.git('rm', '--quiet', '--cached', '.gitmodules');
    rmSync(path.join(repo.dir, '.gitmodules'));
    repo.commit('no .gitmodules');
    expect(() => tektonClone(repo.dir)).toThrow();
    await expect(checkout(repo, { kind: 'rev', rev: 'HEAD' })).rejects.toMatchObject({ code: 'SUBMODULE_UNCLONABLE' });
  });

  it('leaves empty a nested submodule with update = none, and checks its sibling out', async () => {
    const repo = gitRepo({ 'default.nix': '{}\n' });
    const lib = gitRepo({ 'lib.nix': '{ }\n' }, 'lib');
    const deep = gitRepo({ 'deep.txt': 'deep\n' }, 'deep');
    lib.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', deep.dir, 'skipped');
    lib.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', deep.dir, 'kept');
    lib.git('config', '-f', '.gitmodules', 'submodule.skipped.update', 'none');
    lib.commit('two nested');
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'lib');
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'update', '--quiet', '--init', '--recursive');
    repo.git(
      '-C',
      'lib',
      '-c',
      'protocol.file.allow=always',
      'submodule',
      'update',
      '--quiet',
      '--init',
      '--checkout',
      'skipped',
    );
    repo.commit('submodule');
    expect(readdirSync(path.join(repo.dir, 'lib/skipped'))).toContain('deep.txt'); // here it is checked out
    const dir = await expectClone(repo, { kind: 'rev', rev: 'HEAD' });
    expect(readdirSync(path.join(dir, 'lib/skipped'))).toEqual([]);
    expect(readdirSync(path.join(dir, 'lib/kept'))).toContain('deep.txt');
  });

  it('checks out again in full a checkout recorded before .gitmodules decided the layout', async () => {
    const repo = gitRepo({ 'default.nix': '{}\n' });
    addSubmodule(repo);
    repo.git('config', '-f', '.gitmodules', 'submodule.vendor/lib.update', 'none');
    repo.commit('update = none');
    const repository = await openRepository(repo.dir);
    const tree = judgedTree(repository, { kind: 'rev', rev: 'HEAD' });
    const first = await materializeTree(repository, tree, CHECKOUT);
    // As an older nixtag left it: the submodule filled, and a record without the layout's flag.
    const record = path.join(path.dirname(first.dir), 'source.tree');
    writeFileSync(record, readFileSync(record, 'utf8').replace(' gitmodules', ''));
    writeFiles(path.join(first.dir, 'vendor/lib'), { 'lib.nix': 'stale content\n' });
    const again = await materializeTree(repository, judgedTree(repository, { kind: 'rev', rev: 'HEAD' }), CHECKOUT);
    expect(again.made).not.toBe(first.made);
    expect(readdirSync(path.join(again.dir, 'vendor/lib'))).toEqual([]);
  });

  it('refuses a gitlink the clone stops on: one a submodule holds with no section, one with no URL', async () => {
    const repo = gitRepo({ 'default.nix': '{}\n' });
    const lib = gitRepo({ 'lib.nix': '{ }\n' }, 'lib');
    lib.git('config', 'advice.addEmbeddedRepo', 'false');
    lib.git('init', '--quiet', 'embedded');
    writeFiles(path.join(lib.dir, 'embedded'), { 'e.txt': 'e\n' });
    lib.git('-C', 'embedded', 'add', '--all');
    lib.git('-C', 'embedded', 'commit', '--quiet', '-m', 'e');
    lib.commit('embedded inside');
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'lib');
    repo.commit('submodule');
    expect(() => freshClone(repo.dir)).toThrow(); // "No url found for submodule path 'lib/embedded'"
    await expect(checkout(repo, { kind: 'rev', rev: 'HEAD' })).rejects.toMatchObject({
      code: 'SUBMODULE_UNCLONABLE',
      message: expect.stringContaining('lib/embedded'),
      location: { file: 'lib/.gitmodules' },
    });

    const bare = gitRepo({ 'default.nix': '{}\n' });
    addSubmodule(bare);
    bare.git('config', '-f', '.gitmodules', '--unset', 'submodule.vendor/lib.url');
    bare.commit('no url');
    expect(() => freshClone(bare.dir)).toThrow();
    await expect(checkout(bare, { kind: 'rev', rev: 'HEAD' })).rejects.toMatchObject({ code: 'SUBMODULE_UNCLONABLE' });
  });

  it('says so when a submodule commit is not in this clone, and leaves submodules out when told', async () => {
    const repo = gitRepo({ 'default.nix': '{}\n' });
    addSubmodule(repo);
    repo.commit('submodule');
    rmSync(path.join(repo.dir, '.git', 'modules'), { recursive: true, force: true });
    rmSync(path.join(repo.dir, 'vendor', 'lib', '.git'), { force: true });
    await expect(checkout(repo, { kind: 'rev', rev: 'HEAD' })).rejects.toMatchObject({
      code: 'SUBMODULE_MISSING',
      message: expect.stringContaining('vendor/lib'),
    });
    const repository = await openRepository(repo.dir);
    const tree = judgedTree(repository, { kind: 'rev', rev: 'HEAD' });
    const dir = await checkoutDirectory(materializeTree(repository, tree, { ...CHECKOUT, submodules: false }));
    expect(describeTree(dir)).toEqual(describeTree(freshClone(repo.dir, false)));
  });
});
