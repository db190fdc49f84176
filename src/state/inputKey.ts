import { createHash } from 'node:crypto';
import path from 'node:path';
import type { TreeEntry } from '../types.js';
import { ALWAYS, ancestors, type InputSet } from '../nix/source/inputSet.js';

export type { InputSet } from '../nix/source/inputSet.js';
export { isInput } from '../nix/source/inputSet.js';

/**
 * The key of an input set in a tree: the mode and object id of every tracked file (or submodule)
 * the set covers, plus the files every checkout depends on, and the paths it names that are
 * absent (adding one of them changes the key).
 */
export function inputKey(inputs: InputSet, entries: readonly TreeEntry[]): string {
  const exact = new Set(inputs.paths);
  const whole = exact.has('');
  // A symlink or submodule above an input decides what the input is.
  const above = new Set(inputs.paths.flatMap(ancestors));
  const hash = createHash('sha256');
  const present = new Set<string>();
  for (const entry of entries) {
    let covered =
      whole || exact.has(entry.path) || above.has(entry.path) || ALWAYS.has(path.posix.basename(entry.path));
    for (
      let index = entry.path.lastIndexOf('/');
      !covered && index > 0;
      index = entry.path.lastIndexOf('/', index - 1)
    ) {
      const directory = entry.path.slice(0, index);
      if (exact.has(directory)) {
        covered = true;
        present.add(directory);
      }
    }
    if (!covered) continue;
    present.add(entry.path);
    hash.update(`${entry.mode} ${entry.oid} ${entry.path}\0`);
  }
  for (const input of inputs.paths) if (input !== '' && !present.has(input)) hash.update(`absent ${input}\0`);
  return hash.digest('hex');
}
