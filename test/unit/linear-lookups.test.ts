import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mentionWarnings, namesRepository } from '../../src/engine/mentions.js';
import { needlesOf } from '../../src/engine/spellings.js';
import { messages } from '../../src/messages.js';
import { ALWAYS, ancestors, covers } from '../../src/nix/source/inputSet.js';
import { inputKey, type InputSet } from '../../src/state/inputKey.js';
import { TreeIndex } from '../../src/treeIndex.js';
import type { TreeEntry } from '../../src/types.js';
import { resolvedImages } from '../helpers/manifests.js';

/**
 * The lookups that replaced a pass over every file (or every input, or every needle) per
 * question give the answers the passes gave: each is held to the pass it replaced.
 */

const segment = fc.constantFrom('a', 'b', 'a-b', 'a.b', 'ab', '.gitattributes', '.gitmodules', 'x', 'é', '😀', 'ｆ');
const treePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const entry = fc.record({
  mode: fc.constantFrom('100644', '100755', '120000', '160000'),
  oid: fc.constantFrom('o1', 'o2', 'o3'),
  path: treePath,
});
/** Entries with unique paths, none above another (as a tree lists them), in git's order. */
const entries = fc
  .uniqueArray(entry, { selector: (one) => one.path, maxLength: 25 })
  .map((list) => list.filter((one) => !list.some((other) => other.path.startsWith(`${one.path}/`))))
  .map((list) => list.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path))));
const inputs = fc.array(fc.oneof(treePath, fc.constant('')), { maxLength: 5 });

/** The key as computed before: one pass over every entry of the tree, in the tree's order. */
function keyByPass(set: InputSet, list: readonly TreeEntry[]): string {
  const exact = new Set(set.paths);
  const whole = exact.has('');
  const above = new Set(set.paths.flatMap(ancestors));
  const hash = createHash('sha256');
  const present = new Set<string>();
  for (const one of list) {
    let covered = whole || exact.has(one.path) || above.has(one.path) || ALWAYS.has(one.path.split('/').pop()!);
    // An input directory is present when anything lies under it (the pass used to stop looking
    // once an entry was covered otherwise, which only added `absent` lines to whole-tree keys).
    for (let index = one.path.lastIndexOf('/'); index > 0; index = one.path.lastIndexOf('/', index - 1)) {
      const directory = one.path.slice(0, index);
      if (exact.has(directory)) {
        covered = true;
        present.add(directory);
      }
    }
    if (!covered) continue;
    present.add(one.path);
    hash.update(`${one.mode} ${one.oid} ${one.path}\0`);
  }
  for (const input of set.paths) if (input !== '' && !present.has(input)) hash.update(`absent ${input}\0`);
  return hash.digest('hex');
}

describe('an input key found by lookups in the tree index', () => {
  it('is the key one pass over every entry computes', () => {
    fc.assert(
      fc.property(entries, inputs, (list, paths) => {
        const sorted = [...list].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
        expect(inputKey({ paths }, TreeIndex.of(list))).toBe(keyByPass({ paths }, sorted));
      }),
    );
  });

  it('finds what lies at and under a path, whatever order the entries came in', () => {
    fc.assert(
      fc.property(entries, treePath, (list, directory) => {
        const index = TreeIndex.of([...list].reverse());
        expect(index.at(directory)).toEqual(list.find((one) => one.path === directory));
        const under = list.filter((one) => one.path.startsWith(`${directory}/`)).map((one) => one.path);
        expect(
          index
            .under(directory)
            .map((one) => one.path)
            .sort(),
        ).toEqual(under.sort());
      }),
    );
  });

  it('merges a tree’s files and gitlinks without sorting them again', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const files = list.filter((one) => one.mode !== '160000');
        const gitlinks = list.filter((one) => one.mode === '160000');
        expect(
          TreeIndex.merged(files, gitlinks)
            .entries.map((one) => one.path)
            .sort(),
        ).toEqual(list.map((one) => one.path).sort());
      }),
    );
  });
});

describe('whether a changed path is an input, by set lookups', () => {
  it('answers as testing it against every input did', () => {
    const byEveryInput = (paths: readonly string[], file: string, withAncestors: boolean) =>
      paths.some(
        (input) =>
          input === '' ||
          input === file ||
          file.startsWith(`${input}/`) ||
          (withAncestors && input.startsWith(`${file}/`)),
      );
    fc.assert(
      fc.property(inputs, treePath, fc.boolean(), (paths, file, withAncestors) => {
        expect(covers(paths, file, withAncestors)).toBe(byEveryInput(paths, file, withAncestors));
      }),
    );
  });
});

describe('mentions found through the words of a line', () => {
  const repositories = [
    'registry.example/app',
    'registry.example/app.v2',
    'registry.example:5000/team/app',
    'ghcr.io/acme/worker',
    'docker.io/library/redis',
    'lewo/poc-tekton',
    'registry.example/a_b',
    'bash',
    'docker.io/bitnami/nginx',
  ];
  const images = resolvedImages(repositories.map((repository, index) => ({ name: `i${index}`, repository })));
  const fragment = fc.constantFrom(
    ...repositories,
    'app',
    'redis',
    'docker.io/',
    'index.docker.io/redis',
    'REGISTRY.EXAMPLE/APP',
    'registry-1.docker.io/library/bash',
    'nginx',
    ':1',
    '@sha256',
    'image: ',
    ' # ',
    '/',
    '.',
    ':',
    ' ',
    '-',
    'x',
    '"',
  );
  const line = fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(''));

  it('name the image that testing every spelling of every repository on the line named', () => {
    const needles = images.map(needlesOf).filter((one) => one !== undefined);
    fc.assert(
      fc.property(line, (text) => {
        const first = needles.find(({ spellings, bare }) =>
          spellings.some((spelling) => namesRepository(text, spelling, bare)),
        );
        const warnings = mentionWarnings([{ file: 'docs/a.md', line: 1, text }], images, [], []);
        expect(warnings.map((warning) => warning.message)).toEqual(
          first === undefined ? [] : [messages.mention('docs/a.md', 1, first.image.repository)],
        );
      }),
      { numRuns: 500 },
    );
  });
});
