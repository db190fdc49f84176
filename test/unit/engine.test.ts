import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluationKey } from '../../src/engine/evaluation.js';
import { defaultImage, imageFor, inferImage, speculativeImages } from '../../src/engine/images.js';
import { pathsMatter } from '../../src/engine/narrow.js';
import { NixtagError } from '../../src/errors.js';
import type { TreeEntry } from '../../src/git/source.js';
import { readReference, type ReadReference } from '../../src/manifest/resolve.js';
import { scanManifest } from '../../src/manifest/scan.js';
import type { ImageEvaluation } from '../../src/nix/evaluate.js';
import { EvaluationCache, type CacheContext } from '../../src/state/evaluations.js';
import { statePaths } from '../../src/state/paths.js';
import { isKnownGood, recordGood, verdictKey } from '../../src/state/verdicts.js';
import { tempDir } from '../helpers/repo.js';
import { resolvedImages } from '../helpers/manifests.js';

const HASH_A = 'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0';
const HASH_B = 'a5s7gw4ll3p0vhf2yq0kxzqv3b1b5b9c';

const evaluation = (tag: string): ImageEvaluation => ({
  name: 'app',
  outPath: `/nix/store/${tag}-x`,
  tag,
  warnings: [],
});

/** A tree: the expression, a source file and a manifest, with the blob ids given. */
function tree(oids: { nix?: string; main?: string; manifest?: string }): TreeEntry[] {
  return [
    { mode: '100644', oid: oids.nix ?? 'n1', path: 'default.nix' },
    { mode: '100644', oid: oids.main ?? 'm1', path: 'src/main.go' },
    { mode: '100644', oid: oids.manifest ?? 'k1', path: 'k8s/app.yaml' },
  ];
}

const context = (entries: TreeEntry[], environment = 'env'): CacheContext => ({
  environment,
  entries,
  manifests: new Set(['k8s/app.yaml']),
});

describe('the evaluation cache', () => {
  it('answers the same tree, and misses on any change outside the managed manifests', () => {
    const cache = new EvaluationCache(tempDir());
    cache.store(context(tree({})), new Map([['key', evaluation(HASH_A)]]));
    expect(cache.lookup(context(tree({})))?.get('key')?.tag).toBe(HASH_A);
    expect(cache.lookup(context(tree({ main: 'm2' })))).toBeUndefined();
    expect(cache.lookup(context(tree({ nix: 'n2' })))).toBeUndefined();
    expect(cache.lookup(context(tree({}), 'other Nix'))).toBeUndefined();
  });

  it('believes a changed manifest is not a Nix input only after a change to it left the tags equal', () => {
    const gitDir = tempDir();
    const cache = new EvaluationCache(gitDir);
    cache.store(context(tree({ manifest: 'k1' })), new Map([['key', evaluation(HASH_A)]]));
    // Not known yet: a changed manifest is a miss.
    expect(cache.lookup(context(tree({ manifest: 'k2' })))).toBeUndefined();
    // Nix, asked again, gave the same tag: the manifest is learned as a non-input...
    cache.store(context(tree({ manifest: 'k2' })), new Map([['key', evaluation(HASH_A)]]));
    // ...so a later change to it alone is answered, also by a new reader of the file.
    expect(new EvaluationCache(gitDir).lookup(context(tree({ manifest: 'k3' })))?.get('key')?.tag).toBe(HASH_A);
    // Once the expressions change, what was learned about them no longer holds.
    cache.store(context(tree({ nix: 'n2', manifest: 'k3' })), new Map([['key', evaluation(HASH_A)]]));
    expect(cache.lookup(context(tree({ nix: 'n2', manifest: 'k4' })))).toBeUndefined();
  });

  it('learns nothing when the tag changed with the manifest (it is an input of its own image)', () => {
    const cache = new EvaluationCache(tempDir());
    cache.store(context(tree({ manifest: 'k1' })), new Map([['key', evaluation(HASH_A)]]));
    cache.store(context(tree({ manifest: 'k2' })), new Map([['key', evaluation(HASH_B)]]));
    expect(cache.lookup(context(tree({ manifest: 'k3' })))).toBeUndefined();
    expect(cache.lookup(context(tree({ manifest: 'k2' })))?.get('key')?.tag).toBe(HASH_B);
  });

  it('starts empty from a file that is not a cache', () => {
    const gitDir = tempDir();
    const file = statePaths(gitDir).evaluations;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"version": 1, "entr');
    expect(new EvaluationCache(gitDir).lookup(context(tree({})))).toBeUndefined();
  });
});

describe('verdicts', () => {
  it('are keyed by the tree and the run environment', () => {
    const key = verdictKey('tree1', 'env');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(verdictKey('tree1', 'env')).toBe(key);
    expect(verdictKey('tree2', 'env')).not.toBe(key);
    expect(verdictKey('tree1', 'env with --config')).not.toBe(key);
  });

  it('remember trees judged up to date, at most 256, most recent first', () => {
    const gitDir = tempDir();
    expect(isKnownGood(gitDir, 'first')).toBe(false);
    recordGood(gitDir, 'first');
    expect(isKnownGood(gitDir, 'first')).toBe(true);
    for (let index = 0; index < 256; index++) recordGood(gitDir, `key-${index}`);
    expect(isKnownGood(gitDir, 'key-255')).toBe(true);
    expect(isKnownGood(gitDir, 'first')).toBe(false);
  });

  it('know nothing from a damaged file', () => {
    const gitDir = tempDir();
    mkdirSync(statePaths(gitDir).root, { recursive: true });
    writeFileSync(statePaths(gitDir).verdicts, '{"not": "a list"}');
    expect(isKnownGood(gitDir, 'not')).toBe(false);
  });
});

describe('narrowing by PATH arguments', () => {
  function narrow(paths: string[], imageDirectories = ['services/api']) {
    const root = tempDir();
    for (const file of ['services/api/main.go', 'services/web/main.go', 'k8s/app.yaml', 'README.md', '.nixtagrc']) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), '');
    }
    return pathsMatter({
      root,
      cwd: path.join(root, 'services'),
      paths,
      relevantFiles: new Set(['.nixtagrc']),
      imageDirectories,
      isManifest: (file) => file === 'k8s/app.yaml',
    });
  }

  it('keeps a path under an image, a manifest or a relevant file, relative to cwd', () => {
    expect(narrow(['api/main.go'])).toBe(true);
    expect(narrow(['../k8s/app.yaml'])).toBe(true);
    expect(narrow(['../.nixtagrc'])).toBe(true);
    expect(narrow(['web/main.go', '../README.md', 'api/main.go'])).toBe(true);
  });

  it('drops paths that can change nothing; a root image makes every path matter', () => {
    expect(narrow(['web/main.go', '../README.md'])).toBe(false);
    expect(narrow(['../README.md'], [''])).toBe(true);
  });

  it('refuses a path that is not there', () => {
    expect(() => narrow(['api/gone.go'])).toThrow(NixtagError);
  });
});

function references(text: string): ReadReference[] {
  const outcome = scanManifest('k8s/app.yaml', text, true);
  if (!('scanned' in outcome)) throw new Error(outcome.skipped);
  return outcome.scanned.occurrences.map(readReference).filter((reference) => reference !== undefined);
}

describe('image inference without configuration', () => {
  it('takes the one repository whose references carry a Nix hash as tag', () => {
    const image = inferImage(references(`image: registry.example.com/team/app:${HASH_A}\n---\nimage: nginx:1.25\n`));
    expect(image).toMatchObject({
      name: 'app',
      repository: 'registry.example.com/team/app',
      canonical: 'registry.example.com/team/app',
      inferred: true,
    });
    expect(image?.config.nix).toBe('default.nix');
  });

  it('finds none among references without hash tags, and refuses two repositories', () => {
    expect(inferImage(references('image: nginx:1.25\n'))).toBeUndefined();
    expect(() =>
      inferImage(references(`a:\n  image: one/app:${HASH_A}\nb:\n  image: two/app:${HASH_B}\n`)),
    ).toThrowError(expect.objectContaining({ code: 'CONFIG_AMBIGUOUS' }));
  });

  it('claims only hash-tagged references of the inferred repository; a configured image claims all of its own', () => {
    const [hashed, plain] = references(`a:\n  image: lewo/app:${HASH_A}\nb:\n  image: lewo/app:v1\n`);
    const inferred = inferImage([hashed!])!;
    expect(imageFor(hashed!, [inferred])?.name).toBe('app');
    expect(imageFor(plain!, [inferred])).toBeUndefined();
    const configured = resolvedImages([{ name: 'app', repository: 'docker.io/lewo/app' }]);
    expect(imageFor(plain!, configured)?.name).toBe('app');
  });

  it('binds a marked reference by the marker name', () => {
    const [marked] = references(`image: other/thing:v1 # {"$nixtag": "app"}\n`);
    const images = resolvedImages([{ name: 'app', repository: 'lewo/app' }]);
    expect(imageFor(marked!, images)?.name).toBe('app');
    expect(imageFor(marked!, resolvedImages([{ name: 'web', repository: 'other/thing' }]))).toBeUndefined();
  });
});

describe('what is evaluated before the manifests are read', () => {
  const entries = [{ mode: '100644', oid: 'x', path: 'default.nix' }];
  it('is every configured image, or the root default.nix without configuration', () => {
    const configured = resolvedImages([{ name: 'app', repository: 'lewo/app' }]);
    expect(speculativeImages({ images: [configured[0]!.config] }, configured, entries)).toBe(configured);
    expect(speculativeImages({ images: undefined }, [], entries).map((image) => image.config.nix)).toEqual([
      'default.nix',
    ]);
    expect(speculativeImages({ images: undefined }, [], [])).toEqual([]);
  });

  it('evaluates images with the same expression, attribute, arguments and tag source once', () => {
    const a = defaultImage('a', 'lewo/a');
    const b = defaultImage('b', 'lewo/b');
    expect(evaluationKey(a)).toBe(evaluationKey(b));
    expect(evaluationKey({ ...b, config: { ...b.config, args: { flavour: 'prod' } } })).not.toBe(evaluationKey(a));
    expect(evaluationKey({ ...b, config: { ...b.config, attr: 'image' } })).not.toBe(evaluationKey(a));
  });
});
