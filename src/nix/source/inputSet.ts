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

/** Whether `file` is one of `inputs` or lies under one; with `ancestors`, also whether it is above one. */
export function covers(inputs: readonly string[], file: string, ancestors = false): boolean {
  return inputs.some(
    (input) =>
      input === '' || input === file || file.startsWith(`${input}/`) || (ancestors && input.startsWith(`${file}/`)),
  );
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
