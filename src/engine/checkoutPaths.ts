import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { messages } from '../messages.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import { nixCode } from '../nix/source/code.js';

/**
 * Where an absolute path usually comes from: `toString` (or `builtins.toString`) of a path, which
 * names it where the clone lies instead of copying it to the store. Not as the argument of a
 * reader, `import (toString ./x)`, `readFile (toString ./x)`, which only reads the file. It only
 * points at a line: the evaluation itself says whether the derivation holds the path.
 */
export const ABSOLUTE_PATH_STRING =
  /(?<!\b(?:import|readFile|readDir|pathExists|fromJSON|fromTOML)\s*\(\s*(?:builtins\s*\.\s*)?)\b(?:builtins\s*\.\s*)?toString\b/;

/** The first line of the tree's evaluated files (the image's own first) that matches, as `file:line`. */
async function firstLine(root: string, files: readonly string[]): Promise<string | undefined> {
  for (const file of files) {
    const text = await readFile(path.join(root, file), 'utf8').catch(() => '');
    const index = nixCode(text)
      .split('\n')
      .findIndex((line) => ABSOLUTE_PATH_STRING.test(line));
    if (index !== -1) return `${file}:${index + 1}`;
  }
  return undefined;
}

/** The tree's evaluated files, the image's own expression (`own`) first: where a cause is looked for. */
export const ownFirst = (own: string | undefined, files: readonly string[]): readonly string[] =>
  own === undefined ? files : [own, ...files.filter((file) => file !== own)];

/**
 * A derivation whose attributes hold the checkout's absolute path (the evaluation tells,
 * expression.ts) has a tag that differs in every directory a clone lies in: nixtag's checkout
 * sits at one path, CI's at another (Tekton: /workspace/source). Its references are left unjudged,
 * with a warning naming the line that most likely puts the path there. `files`: the tree's files
 * Nix parsed, relative to `root`.
 */
export async function leaveCheckoutPathsUnjudged(
  root: string,
  evaluations: readonly ImageEvaluation[],
  nixFiles: readonly string[],
  files: readonly string[],
): Promise<ImageEvaluation[]> {
  return Promise.all(
    evaluations.map(async (evaluation, index) => {
      if (evaluation.holdsCheckoutPath !== true) return evaluation;
      const at = await firstLine(root, ownFirst(nixFiles[index], files));
      return {
        ...evaluation,
        commitDependent: true,
        warnings: [...evaluation.warnings, messages.checkoutPathDependent(evaluation.name, at)],
      };
    }),
  );
}
