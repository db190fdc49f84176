import { createHash } from 'node:crypto';
import path from 'node:path';
import type { TreeEntry } from '../git/source.js';

/**
 * What an evaluation can read of the repository (engine/inputs.ts finds it). It over-approximates
 * and must never under-approximate: where a construct can reach a file that no literal names,
 * every tracked file counts (`wholeTree` says why).
 */
export interface InputSet {
  /** Repository-relative paths, files or directories; '' is the whole tree. */
  paths: string[];
  wholeTree?: string | undefined;
}

/** Files that change what every checkout holds (attributes, submodules): inputs of every image. */
const ALWAYS = new Set(['.gitattributes', '.gitmodules']);

/** Whether `file` is one of `inputs` or lies under one; with `ancestors`, also whether it is above one. */
export function covers(inputs: readonly string[], file: string, ancestors = false): boolean {
  return inputs.some(
    (input) =>
      input === '' || input === file || file.startsWith(`${input}/`) || (ancestors && input.startsWith(`${file}/`)),
  );
}

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

/** `a/b/c` -> `a`, `a/b`. */
function ancestors(file: string): string[] {
  const parts = file.split('/');
  return parts.slice(1).map((_, index) => parts.slice(0, index + 1).join('/'));
}

/**
 * Whether a changed path can change an evaluation with these inputs: an input, a file under
 * one, or a path above one (a symlink or directory that appears where an input was looked for).
 */
export function isInput(inputs: InputSet, file: string): boolean {
  return covers(inputs.paths, file, true) || ALWAYS.has(path.posix.basename(file));
}
