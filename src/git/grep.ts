import { gitMaybe } from './git.js';
import { inRepository, type Repository } from './repository.js';

export interface GrepHit {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
}

/**
 * Every line of a tree's text files (binary files are left out) that holds one of `needles`,
 * compared as fixed strings without regard to case, in one `git grep` over the tree object;
 * only in the files `pathspecs` match, when given (`literalPathspecs` names files exactly).
 */
export async function grepTree(
  repository: Repository,
  tree: string,
  needles: readonly string[],
  pathspecs: readonly string[] = [],
): Promise<GrepHit[]> {
  if (needles.length === 0) return [];
  const output = await gitMaybe(
    [
      'grep',
      '-n',
      '-I',
      '-i',
      '-F',
      '--null',
      '--no-color',
      ...needles.flatMap((needle) => ['-e', needle]),
      tree,
      '--',
      ...pathspecs,
    ],
    inRepository(repository),
  );
  const hits: GrepHit[] = [];
  let cursor = 0;
  const prefix = `${tree}:`;
  // `<tree>:<path>\0<line>\0<text>\n`; with --null a path is never quoted.
  while (output !== undefined && cursor < output.length) {
    const pathEnd = output.indexOf('\0', cursor);
    const lineEnd = output.indexOf('\0', pathEnd + 1);
    const textEnd = output.indexOf('\n', lineEnd + 1);
    if (pathEnd === -1 || lineEnd === -1) break;
    const file = output.slice(cursor, pathEnd);
    hits.push({
      file: file.startsWith(prefix) ? file.slice(prefix.length) : file,
      line: Number(output.slice(pathEnd + 1, lineEnd)),
      text: output.slice(lineEnd + 1, textEnd === -1 ? undefined : textEnd),
    });
    cursor = textEnd === -1 ? output.length : textEnd + 1;
  }
  return hits;
}

/** Pathspecs that match exactly these files (no wildcard, no magic read from the names). */
export const literalPathspecs = (files: readonly string[]): string[] => files.map((file) => `:(literal)${file}`);
