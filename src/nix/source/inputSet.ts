import path from 'node:path';

/**
 * What an evaluation can read of the repository (inputs.ts finds it). It over-approximates
 * and must never under-approximate: where a construct can reach a file that no literal names,
 * every tracked file counts (`wholeTree` says why).
 */
export interface InputSet {
  /** Repository-relative paths, files or directories; '' is the whole tree. */
  paths: string[];
  wholeTree?: string | undefined;
}

/** Files that change what every checkout holds (attributes, submodules): inputs of every image. */
export const ALWAYS = new Set(['.gitattributes', '.gitmodules']);

/** Inputs as sets, built once per list: a test costs the depth of the path, not the number of inputs. */
interface Lookup {
  whole: boolean;
  exact: ReadonlySet<string>;
  /** Every directory above an input. */
  above: ReadonlySet<string>;
}
const lookups = new WeakMap<readonly string[], Lookup>();

function lookupOf(inputs: readonly string[]): Lookup {
  let lookup = lookups.get(inputs);
  if (lookup === undefined) {
    lookup = { whole: inputs.includes(''), exact: new Set(inputs), above: new Set(inputs.flatMap(ancestors)) };
    lookups.set(inputs, lookup);
  }
  return lookup;
}

/** Whether `file` is one of `inputs` or lies under one; with `ancestors`, also whether it is above one. */
export function covers(inputs: readonly string[], file: string, ancestors = false): boolean {
  const { whole, exact, above } = lookupOf(inputs);
  if (whole || exact.has(file)) return true;
  for (let slash = file.indexOf('/'); slash !== -1; slash = file.indexOf('/', slash + 1)) {
    if (exact.has(file.slice(0, slash))) return true;
  }
  return ancestors && above.has(file);
}

/** `a/b/c` -> `a`, `a/b`. */
export function ancestors(file: string): string[] {
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

/** Several input sets as one: every path of each, or the whole tree if one is. */
export function unionOf(sets: readonly InputSet[]): InputSet {
  const whole = sets.find((set) => set.paths.includes(''));
  if (whole !== undefined) {
    return whole.wholeTree === undefined ? { paths: [''] } : { paths: [''], wholeTree: whole.wholeTree };
  }
  return { paths: [...new Set(sets.flatMap((set) => set.paths))].sort() };
}
