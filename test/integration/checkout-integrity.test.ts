import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hash } from '../../src/index.js';
import { checkoutRecord } from '../../src/tree/checkoutRecord.js';
import { treeRecords } from '../../src/tree/records.js';
import { gitRepo, n2k8sTag, type TestRepo } from '../helpers/repo.js';
import { freshClone, LFS_FILTER, lfsClone } from '../helpers/trees.js';
import { nixtag } from '../helpers/inProcess.js';

/**
 * The persistent checkout nixtag evaluates lives outside the repository: an editor, a script or a
 * cleaner of temporary directories can change it. Whatever was done to it, the tag is CI's (a
 * fresh clone named `source`, n2k8s's command), never what the changed files give.
 */

/** An image that reads a file, and every file of the tree but `.git` (names, contents, modes, links). */
const IMAGE = `{ }:
derivation {
  name = "app";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
  data = builtins.readFile ./data.txt;
  optional = builtins.pathExists ./extra.txt;
  src = builtins.path { path = ./.; name = "src"; filter = p: t: baseNameOf p != ".git"; };
}
`;

function repository(): TestRepo {
  const repo = gitRepo({ 'default.nix': IMAGE, 'data.txt': 'b\n', 'lib/run.sh': 'echo\n', 'lib/a.txt': 'a\n' });
  symlinkSync('a.txt', path.join(repo.dir, 'lib', 'link'));
  repo.commit('link');
  return repo;
}

async function tagOf(repo: TestRepo): Promise<string> {
  // No cache: each call asks Nix, which reads the checkout.
  const result = await hash({ cwd: repo.dir, cache: false, source: { kind: 'index' } });
  return result.images[0]!.hash;
}

const checkoutOf = (repo: TestRepo) => path.join(treeRecords(path.join(repo.dir, '.git')).slot('index'), 'source');
const madeOf = (repo: TestRepo) =>
  checkoutRecord(treeRecords(path.join(repo.dir, '.git')).slot('index'), 'source').trusted()?.made;

const TAMPERINGS: Array<[string, (checkout: string) => void]> = [
  ['a file edited back to older content', (dir) => writeFileSync(path.join(dir, 'data.txt'), 'a\n')],
  ['a file deleted', (dir) => rmSync(path.join(dir, 'lib', 'a.txt'))],
  ['a directory deleted', (dir) => rmSync(path.join(dir, 'lib'), { recursive: true })],
  ['a file added', (dir) => writeFileSync(path.join(dir, 'extra.txt'), 'x\n')],
  ['an ignored-looking file added', (dir) => writeFileSync(path.join(dir, 'lib', '.swp'), 'x\n')],
  ['an empty directory added', (dir) => mkdirSync(path.join(dir, 'empty'))],
  ['an executable bit set', (dir) => chmodSync(path.join(dir, 'lib', 'a.txt'), 0o755)],
  ['an executable bit cleared', (dir) => chmodSync(path.join(dir, 'lib', 'run.sh'), 0o644)],
  [
    'a symlink pointed elsewhere',
    (dir) => {
      rmSync(path.join(dir, 'lib', 'link'));
      symlinkSync('run.sh', path.join(dir, 'lib', 'link'));
    },
  ],
  [
    'a symlink replaced by its target',
    (dir) => {
      rmSync(path.join(dir, 'lib', 'link'));
      writeFileSync(path.join(dir, 'lib', 'link'), 'a\n');
    },
  ],
  [
    'a file replaced by a directory',
    (dir) => {
      rmSync(path.join(dir, 'data.txt'));
      mkdirSync(path.join(dir, 'data.txt'));
    },
  ],
];

describe('a checkout changed behind nixtag is repaired before Nix reads it', () => {
  it.each(TAMPERINGS)('%s: the tag is still CI’s', async (_, tamper) => {
    const repo = repository();
    const expected = n2k8sTag(freshClone(repo.dir));
    expect(expected).toMatch(/^[0-9a-z]{32}$/);
    expect(await tagOf(repo)).toBe(expected);
    const made = madeOf(repo);
    tamper(checkoutOf(repo));
    expect(await tagOf(repo)).toBe(expected);
    // Repaired in place: the full checkout's time is the same; what was read of it before is not kept.
    expect(madeOf(repo)?.split('-')[0]).toBe(made?.split('-')[0]);
    expect(madeOf(repo)).not.toBe(made);
    expect(readFileSync(path.join(checkoutOf(repo), 'data.txt'), 'utf8')).toBe('b\n');
  });

  it('its git index removed: checked out again in full', async () => {
    const repo = repository();
    const expected = n2k8sTag(freshClone(repo.dir));
    expect(await tagOf(repo)).toBe(expected);
    const made = madeOf(repo);
    rmSync(path.join(checkoutOf(repo), '.git', 'index'));
    expect(await tagOf(repo)).toBe(expected);
    expect(madeOf(repo)).not.toBe(made);
    expect(readFileSync(path.join(checkoutOf(repo), 'data.txt'), 'utf8')).toBe('b\n');
  });

  it('after an incremental update (index entries with no stat data), an edit to an unchanged file is seen', async () => {
    const repo = repository();
    await tagOf(repo);
    // The update writes data.txt; the tamper is to a file the diff does not name.
    repo.write({ 'data.txt': 'c\n' });
    repo.git('add', 'data.txt');
    await tagOf(repo);
    writeFileSync(path.join(checkoutOf(repo), 'lib', 'a.txt'), 'tampered\n');
    repo.commit('c');
    expect(await tagOf(repo)).toBe(n2k8sTag(freshClone(repo.dir)));
  });

  it('an old tag put back by an editor after the tree moved on is not reported as current', async () => {
    // The tree had data.txt "a" when the editor opened the checkout's copy; the tree now says "b".
    const repo = gitRepo({ 'default.nix': IMAGE, 'data.txt': 'a\n' });
    const old = await tagOf(repo);
    repo.write({ 'data.txt': 'b\n' });
    repo.commit('b');
    const expected = n2k8sTag(freshClone(repo.dir));
    expect(expected).not.toBe(old);
    expect(await tagOf(repo)).toBe(expected);
    writeFileSync(path.join(checkoutOf(repo), 'data.txt'), 'a\n'); // the editor saves its buffer
    expect(await tagOf(repo)).toBe(expected);
  });
});

/** An image that reads every file of the tree but `.git`, a submodule's included. */
const WHOLE_TREE = `{ }:
derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  src = builtins.path { path = ./.; name = "src"; filter = p: t: baseNameOf p != ".git"; };
}
`;

describe('what the check costs', () => {
  it('after an update, the entries it wrote are refreshed by name, not by a stat of every file', async () => {
    const repo = repository();
    await tagOf(repo);
    // The update writes data.txt and a manifest: git reports both (no stat data) until refreshed.
    repo.write({ 'data.txt': 'c\n', 'k8s/app.yaml': 'kind: Pod\n' });
    repo.git('add', 'data.txt', 'k8s/app.yaml');
    repo.commit('c');
    const traced = path.join(repo.dir, '..', 'trace');
    process.env.GIT_TRACE = traced;
    try {
      expect(await tagOf(repo)).toBe(n2k8sTag(freshClone(repo.dir)));
    } finally {
      delete process.env.GIT_TRACE;
    }
    const trace = readFileSync(traced, 'utf8');
    expect(trace).toContain('add --refresh');
    expect(trace).not.toMatch(/update-index (-q )?--refresh/);
    // And an edit to the manifest the update wrote is still seen (and repaired) on the next run.
    writeFileSync(path.join(checkoutOf(repo), 'k8s', 'app.yaml'), 'kind: Tampered\n');
    expect(await tagOf(repo)).toBe(n2k8sTag(freshClone(repo.dir)));
    expect(readFileSync(path.join(checkoutOf(repo), 'k8s', 'app.yaml'), 'utf8')).toBe('kind: Pod\n');
  });

  it('nothing on a run the cache answers: Nix does not run, the checkout is not looked at', async () => {
    const repo = repository();
    const expected = n2k8sTag(freshClone(repo.dir));
    const cached = async () => (await hash({ cwd: repo.dir, source: { kind: 'index' } })).images[0]!.hash;
    expect(await cached()).toBe(expected);
    writeFileSync(path.join(checkoutOf(repo), 'lib', 'a.txt'), 'tampered\n');
    expect(await cached()).toBe(expected); // the cache's answer, for the tree's blobs
    expect(readFileSync(path.join(checkoutOf(repo), 'lib', 'a.txt'), 'utf8')).toBe('tampered\n');
    expect(await tagOf(repo)).toBe(expected); // Nix runs: repaired first
    expect(readFileSync(path.join(checkoutOf(repo), 'lib', 'a.txt'), 'utf8')).toBe('a\n');
  });
});

describe('inside a submodule and an LFS file of the checkout', () => {
  it.each([
    ['a submodule file edited', (dir: string) => writeFileSync(path.join(dir, 'vendor/lib/lib.txt'), 'tampered\n')],
    ['a file added in a submodule', (dir: string) => writeFileSync(path.join(dir, 'vendor/lib/extra'), 'x\n')],
    ['a submodule emptied', (dir: string) => rmSync(path.join(dir, 'vendor/lib/lib.txt'))],
  ])('%s: checked out again, the tag is CI’s', async (_, tamper) => {
    const repo = gitRepo({ 'default.nix': WHOLE_TREE });
    const lib = gitRepo({ 'lib.txt': 'library\n' }, 'lib');
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'vendor/lib');
    repo.commit('submodule');
    const expected = n2k8sTag(freshClone(repo.dir));
    expect(await tagOf(repo)).toBe(expected);
    tamper(checkoutOf(repo));
    expect(await tagOf(repo)).toBe(expected);
    expect(readFileSync(path.join(checkoutOf(repo), 'vendor/lib/lib.txt'), 'utf8')).toBe('library\n');
  });

  it('an LFS file edited: its content is smudged again', async () => {
    const repo = gitRepo();
    for (const [key, value] of LFS_FILTER) repo.git('config', key, value);
    repo.write({
      '.gitattributes': '*.bin filter=lfs diff=lfs merge=lfs -text\n',
      'model.bin': 'the weights, v1\n',
      'default.nix': `{ }:
derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; model = builtins.readFile ./model.bin; }
`,
      '.nixtagrc.yaml':
        'lfs: true\nimages:\n  - name: app\n    nix: default.nix\n    repository: registry.example.com/app\n',
    });
    repo.commit('lfs');
    const expected = n2k8sTag(lfsClone(repo.dir));
    expect(await tagOf(repo)).toBe(expected);
    writeFileSync(path.join(checkoutOf(repo), 'model.bin'), 'the weights, v0\n');
    expect(await tagOf(repo)).toBe(expected);
    expect(readFileSync(path.join(checkoutOf(repo), 'model.bin'), 'utf8')).toBe('the weights, v1\n');
  });
});

/**
 * `check --staged` reads the configuration and the manifests from the checkout too, also on a run
 * that Nix does not run in (a cached tag): an edit there must never decide the verdict. The oracle
 * is CI's tag (a fresh clone named `source`, n2k8s's command), which the committed manifest lacks:
 * CI's digest check fails, so must the check.
 */
describe('configuration and manifests read from a changed checkout', () => {
  const STALE = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const config = (manifests: string, optional = '') =>
    `images:\n  - name: app\n    nix: default.nix\n    repository: registry.example.com/app\n    manifests: ["${manifests}"]\n${optional}`;
  const pod = (tag: string) =>
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:${tag}\n`;

  it.each<[string, (checkout: string, ciTag: string) => void]>([
    ['the manifest given CI’s tag', (dir, ciTag) => writeFileSync(path.join(dir, 'k8s/pod.yaml'), pod(ciTag))],
    [
      'the configuration edited to manage nothing',
      (dir) => writeFileSync(path.join(dir, '.nixtagrc.yaml'), config('none/*.yaml', '    optional: true\n')),
    ],
    [
      'a configuration file added before the tracked one in the search',
      (dir) =>
        writeFileSync(
          path.join(dir, '.nixtagrc.json'),
          JSON.stringify({ images: [{ name: 'app', nix: 'default.nix', repository: 'x.example/y', optional: true }] }),
        ),
    ],
  ])('%s: still stale, as CI says', async (_, tamper) => {
    const repo = gitRepo({
      'default.nix': IMAGE,
      'data.txt': 'b\n',
      '.nixtagrc.yaml': config('k8s/*.yaml'),
      'k8s/pod.yaml': pod(STALE),
    });
    const ciTag = n2k8sTag(freshClone(repo.dir));
    expect(ciTag).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
    // The tag is cached: the check after the edit runs no Nix, and has no scan of the manifest yet.
    expect((await hash({ cwd: repo.dir, source: { kind: 'index' } })).images[0]!.hash).toBe(ciTag);
    tamper(checkoutOf(repo), ciTag);
    const result = await nixtag(repo.dir, ['check', '--staged']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`expected: registry.example.com/app:${ciTag}`);
    expect(readFileSync(path.join(checkoutOf(repo), 'k8s/pod.yaml'), 'utf8')).toBe(pod(STALE));
  });
});

/** An image that reads its own directory `src` (every file under it, untracked ones too, as copied). */
const READS_SRC = (extra = '') => `{ }:
derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  src = builtins.path { path = ./src; name = "src"; };${extra}
}
`;
const TWO_IMAGES = `images:
  - name: a
    nix: a/default.nix
    repository: registry.example.com/a
  - name: b
    nix: b/default.nix
    repository: registry.example.com/b
`;

function twoImages(): TestRepo {
  return gitRepo({
    '.nixtagrc.yaml': TWO_IMAGES,
    'a/default.nix': READS_SRC(),
    'a/src/x.txt': 'a1\n',
    'b/default.nix': READS_SRC(),
    'b/src/y.txt': 'b1\n',
    'shared/extra.nix': '"extra"\n',
  });
}

/** Both images' tags with the evaluation cache on: an image whose inputs did not change is not evaluated. */
async function cachedTags(repo: TestRepo): Promise<Record<string, string>> {
  const result = await hash({ cwd: repo.dir, source: { kind: 'index' } });
  return Object.fromEntries(result.images.map((image) => [image.name, image.hash]));
}

/** CI's tags: n2k8s's command in a fresh clone, file by file. */
function ciTags(repo: TestRepo): Record<string, string> {
  const clone = freshClone(repo.dir);
  return { a: n2k8sTag(clone, {}, 'a/default.nix'), b: n2k8sTag(clone, {}, 'b/default.nix') };
}

describe('only what an evaluation reads is checked, and what it read beyond that is checked after it', () => {
  it('an untracked file added in a directory an image reads: seen by the check of its inputs', async () => {
    const repo = twoImages();
    await cachedTags(repo);
    writeFileSync(path.join(checkoutOf(repo), 'a', 'src', 'added.txt'), 'x\n');
    repo.write({ 'a/src/x.txt': 'a2\n' }); // a is evaluated again
    repo.commit('a2');
    expect(await cachedTags(repo)).toEqual(ciTags(repo));
    expect(existsSync(path.join(checkoutOf(repo), 'a', 'src', 'added.txt'))).toBe(false);
  });

  it('an edit where one image reads and the evaluated one does not: left for the check of the other', async () => {
    const repo = twoImages();
    await cachedTags(repo);
    writeFileSync(path.join(checkoutOf(repo), 'b', 'src', 'y.txt'), 'tampered\n');
    repo.write({ 'a/src/x.txt': 'a2\n' }); // a is evaluated, b answered from the cache
    repo.commit('a2');
    expect(await cachedTags(repo)).toEqual(ciTags(repo));
    repo.write({ 'b/src/z.txt': 'b2\n' }); // now b is evaluated: its files are checked first
    repo.commit('b2');
    expect(await cachedTags(repo)).toEqual(ciTags(repo));
    expect(readFileSync(path.join(checkoutOf(repo), 'b', 'src', 'y.txt'), 'utf8')).toBe('b1\n');
  });

  it.each([
    ['changed', '"tampered"\n'],
    ['broken (Nix fails on it)', '{ not nix\n'],
  ])('an image edited to read a file outside its last inputs, %s in the checkout: CI’s tag', async (_, text) => {
    const repo = twoImages();
    await cachedTags(repo);
    writeFileSync(path.join(checkoutOf(repo), 'shared', 'extra.nix'), text);
    repo.write({ 'a/default.nix': READS_SRC('\n  extra = import ../shared/extra.nix;') });
    repo.commit('a reads shared');
    expect(await cachedTags(repo)).toEqual(ciTags(repo));
    expect(readFileSync(path.join(checkoutOf(repo), 'shared', 'extra.nix'), 'utf8')).toBe('"extra"\n');
  });
});
