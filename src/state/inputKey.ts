import { createHash } from 'node:crypto';
import { TreeIndex } from '../treeIndex.js';
import type { TreeEntry } from '../types.js';
import { ALWAYS, ancestors, type InputSet } from '../nix/source/inputSet.js';

export type { InputSet } from '../nix/source/inputSet.js';
export { isInput } from '../nix/source/inputSet.js';

/**
 * The key of an input set in a tree: the mode and object id of every tracked file (or submodule)
 * the set covers, plus the files every checkout depends on, and the paths it names that are
 * absent (adding one of them changes the key). Found by lookups in the tree's index: the cost is
 * the entries covered, not the size of the tree.
 */
export function inputKey(inputs: InputSet, tree: TreeIndex | readonly TreeEntry[]): string {
  const index = TreeIndex.of(tree);
  const { entries } = index;
  const covered = new Set<TreeEntry>(index.withBaseName(ALWAYS));
  const present = new Set<string>();
  for (const input of new Set(inputs.paths)) {
    const [from, to] = index.rangeUnder(input);
    for (let position = from; position < to; position++) covered.add(entries[position]!);
    const exact = input === '' ? undefined : index.at(input);
    if (exact !== undefined) covered.add(exact);
    if (exact !== undefined || (input !== '' && to > from)) present.add(input);
    // A symlink or submodule above an input decides what the input is.
    for (const above of ancestors(input)) {
      const entry = index.at(above);
      if (entry !== undefined) covered.add(entry);
    }
  }
  const hash = createHash('sha256');
  // In the tree's order, whichever input covered them first.
  const ordered = covered.size === entries.length ? entries : [...covered].sort((a, b) => compare(a.path, b.path));
  for (const entry of ordered) hash.update(`${entry.mode} ${entry.oid} ${entry.path}\0`);
  for (const input of inputs.paths) if (input !== '' && !present.has(input)) hash.update(`absent ${input}\0`);
  return hash.digest('hex');
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
