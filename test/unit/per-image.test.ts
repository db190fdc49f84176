import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageEvaluation } from '../../src/nix/evaluate.js';
import { evaluationInputs } from '../../src/nix/source/inputs.js';
import { EvaluationCache } from '../../src/state/evaluations.js';
import type { TreeEntry } from '../../src/types.js';
import { tempDir } from '../helpers/repo.js';

/** One service's change costs one service's evaluation: the cache and the inputs, image by image. */

const evaluation = (name: string, tag: string): ImageEvaluation => ({
  name,
  outPath: `/nix/store/${tag}-${name}`,
  tag,
  warnings: [],
});

/** A monorepo's tree: a shared expression and two services, with the blob ids given. */
function tree(oids: { shared?: string; a?: string; b?: string } = {}): TreeEntry[] {
  return [
    { mode: '100644', oid: 'c1', path: '.nixtagrc.yaml' },
    { mode: '100644', oid: oids.shared ?? 'n1', path: 'nix/shared.nix' },
    { mode: '100644', oid: 'd1', path: 'services/a/default.nix' },
    { mode: '100644', oid: oids.a ?? 'a1', path: 'services/a/main.go' },
    { mode: '100644', oid: 'd2', path: 'services/b/default.nix' },
    { mode: '100644', oid: oids.b ?? 'b1', path: 'services/b/main.go' },
  ];
}
const inputsOf = (service: string) => ({ paths: ['.nixtagrc.yaml', 'nix/shared.nix', `services/${service}`] });
const HASH = (n: number) => `${'0123456789abcdfghijklmnpqrsvwxyz'[n]!}`.repeat(32);

describe('the evaluation cache, image by image', () => {
  function stored(gitDir = tempDir()) {
    new EvaluationCache(gitDir).store('env', tree(), [
      { inputs: inputsOf('a'), tags: new Map([['A', evaluation('a', HASH(1))]]) },
      { inputs: inputsOf('b'), tags: new Map([['B', evaluation('b', HASH(2))]]) },
    ]);
    return new EvaluationCache(gitDir);
  }

  it('answers the images whose own inputs are unchanged when another image’s changed', () => {
    const cache = stored();
    const answered = cache.answers('env', tree({ a: 'a2' }), ['A', 'B']);
    expect([...answered.keys()]).toEqual(['B']);
    expect(answered.get('B')).toEqual({ evaluation: evaluation('b', HASH(2)), inputs: inputsOf('b') });
    // Every image asked for, or none: lookup keeps its all-or-nothing answer.
    expect(cache.lookup('env', tree({ a: 'a2' }), ['A', 'B'])).toBeUndefined();
    expect(cache.lookup('env', tree({ a: 'a2' }), ['B'])?.tags.get('B')?.tag).toBe(HASH(2));
  });

  it('answers none after a change to what they share, and both when nothing of theirs changed', () => {
    const cache = stored();
    expect(cache.answers('env', tree({ shared: 'n2' }), ['A', 'B']).size).toBe(0);
    const both = cache.lookup('env', tree(), ['A', 'B']);
    expect(both?.tags.get('A')?.tag).toBe(HASH(1));
    expect(both?.inputs.paths).toEqual(['.nixtagrc.yaml', 'nix/shared.nix', 'services/a', 'services/b']);
  });

  it('keeps eight versions of an image, the most recently used', () => {
    const gitDir = tempDir();
    for (let version = 0; version < 10; version++) {
      new EvaluationCache(gitDir).store('env', tree({ a: `v${version}` }), [
        { inputs: inputsOf('a'), tags: new Map([['A', evaluation('a', HASH(version))]]) },
      ]);
    }
    const cache = new EvaluationCache(gitDir);
    const tagAt = (version: number) => cache.answers('env', tree({ a: `v${version}` }), ['A']).get('A')?.evaluation.tag;
    expect(tagAt(9)).toBe(HASH(9));
    expect(tagAt(2)).toBe(HASH(2));
    expect(tagAt(1)).toBeUndefined();
    expect(tagAt(0)).toBeUndefined();
  });
});

describe('the inputs of an evaluation, image by image', () => {
  const files: Record<string, string> = {
    'nix/shared.nix': '{ image = name: src: derivation { inherit name src; }; }',
    'nix/extra.nix': '{ }',
    'services/a/default.nix': 'let lib = import ../../nix/shared.nix; in lib.image "a" ./.',
    'services/b/default.nix': 'let lib = import ../../nix/shared.nix; in lib.image "b" (builtins.path { path = ./.; })',
    'services/b/image.nix.in': 'builtins.readFile ./data.txt',
    'services/c/default.nix': 'import ./image.nix',
    'services/c/image.nix': '{ src = ./src; }',
  };

  async function inputs(evaluated: readonly string[]) {
    const root = tempDir();
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    const entries = Object.keys(files).map((file) => ({ mode: '100644', oid: file, path: file }));
    const images = ['a', 'b', 'c'].map((name) => ({ file: `services/${name}/default.nix`, snippets: [] }));
    const absolute = [...evaluated.map((file) => path.join(root, file)), '/nix/store/x-nixpkgs/default.nix'];
    return evaluationInputs(root, absolute, images, ['.nixtagrc.yaml'], entries);
  }

  it('are each image’s own closure: another service’s files are not among them', async () => {
    const { byImage, all } = await inputs(Object.keys(files).filter((file) => file !== 'nix/extra.nix'));
    expect(byImage.map((set) => set.paths)).toEqual([
      ['.nixtagrc.yaml', 'nix/shared.nix', 'services/a', 'services/a/default.nix'],
      // A file Nix parsed that the image's literals name is followed, whatever its name.
      [
        '.nixtagrc.yaml',
        'nix/shared.nix',
        'services/b',
        'services/b/data.txt',
        'services/b/default.nix',
        'services/b/image.nix.in',
      ],
      ['.nixtagrc.yaml', 'services/c/default.nix', 'services/c/image.nix', 'services/c/src'],
    ]);
    expect(all.paths).toEqual([...new Set(byImage.flatMap((set) => set.paths))].sort());
  });

  it('give every image a file Nix parsed that no image’s literals lead to', async () => {
    const { byImage } = await inputs([...Object.keys(files)]);
    for (const set of byImage) expect(set.paths).toContain('nix/extra.nix');
  });
});
