import path from 'node:path';
import type { Gitlink } from '../tree/submodules.js';
import type { Place } from './rules.js';
import { readOptional } from '../readOptional.js';

/** The directories that may record `file` as a submodule, nearest first ('' is the root). */
function holders(file: string): string[] {
  const directories: string[] = [];
  for (let directory = path.posix.dirname(file); directory !== '.'; directory = path.posix.dirname(directory)) {
    directories.push(directory);
  }
  return [...directories, ''];
}

/** The 1-based line and column of the `path = <file>` entry in a `.gitmodules` text. */
function entryOf(text: string, file: string): { line: number; column: number } | undefined {
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const entry = /^(\s*)path\s*=\s*("?)(.*?)\2\s*$/.exec(line);
    if (entry?.[3] === file) return { line: index + 1, column: entry[1]!.length + 1 };
  }
  return undefined;
}

/**
 * Where each submodule left empty is declared: its `path =` line in the `.gitmodules` of the
 * repository that records it (the root, or for a nested one the submodule that holds it), as the
 * checkout holds them; else the gitlink itself.
 */
export async function placesOfMissing(checkout: string, missing: readonly Gitlink[]): Promise<Place[]> {
  return Promise.all(
    missing.map(async (link): Promise<Place> => {
      for (const within of holders(link.path)) {
        const file = within === '' ? '.gitmodules' : `${within}/.gitmodules`;
        const text = (await readOptional(path.join(checkout, file))) ?? '';
        const entry = entryOf(text, within === '' ? link.path : link.path.slice(within.length + 1));
        if (entry !== undefined) return { file, ...entry, submodule: { path: link.path, commit: link.oid, within } };
      }
      return {
        file: link.path,
        line: null,
        column: null,
        submodule: { path: link.path, commit: link.oid, within: '' },
      };
    }),
  );
}
