import { decodeManifest } from '../manifest/decode.js';
import { NixtagError } from '../errors.js';
import { gitBytes, gitMaybe } from './git.js';
import { inRepository, type Repository } from './repository.js';

export interface GrepHit {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
}

/**
 * Every line of a tree's text files that holds one of `needles`, compared as fixed strings without
 * regard to case, in one `git grep` over the tree object; only in the files `pathspecs` match,
 * when given (`literalPathspecs` names files exactly). A file git takes for binary (a null byte) is
 * searched as the manifest reader decodes it (UTF-16 or UTF-32: kustomize and kubectl decode a
 * UTF-16 patch or kustomization), binary data left out.
 */
export async function grepTree(
  repository: Repository,
  tree: string,
  needles: readonly string[],
  pathspecs: readonly string[] = [],
): Promise<GrepHit[]> {
  if (needles.length === 0) return [];
  const [output, decoded] = await Promise.all([
    gitMaybe(
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
    ),
    grepDecoded(repository, tree, needles, pathspecs),
  ]);
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
  if (decoded.length === 0) return hits;
  const order = (a: GrepHit, b: GrepHit) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);
  return [...hits, ...decoded].sort(order);
}

/** The files `pathspecs` match in a tree that hold a null byte: binary to `git grep -I`. */
async function filesWithNull(repository: Repository, tree: string, pathspecs: readonly string[]): Promise<string[]> {
  const list = async (args: readonly string[]) => {
    const output = await gitMaybe(['grep', '-l', '-z', ...args, tree, '--', ...pathspecs], inRepository(repository));
    const prefix = `${tree}:`;
    return (output ?? '')
      .split('\0')
      .filter((file) => file !== '')
      .map((file) => (file.startsWith(prefix) ? file.slice(prefix.length) : file));
  };
  try {
    return await list(['-a', '-P', '-e', '\\x00']);
  } catch (error) {
    if (!(error instanceof NixtagError)) throw error;
    // A git built without PCRE: every file with a line, less the text files.
    const text = new Set(await list(['-I', '-e', '']));
    return (await list(['-e', ''])).filter((file) => !text.has(file));
  }
}

/** As `git grep -i -F`, the lines holding `needles` of the files git takes for binary, decoded as manifests are. */
async function grepDecoded(
  repository: Repository,
  tree: string,
  needles: readonly string[],
  pathspecs: readonly string[],
): Promise<GrepHit[]> {
  const files = (await filesWithNull(repository, tree, pathspecs)).filter((file) => !file.includes('\n'));
  if (files.length === 0) return [];
  const input = `${files.map((file) => `${tree}:${file}`).join('\n')}\n`;
  const output = await gitBytes(['cat-file', '--batch'], inRepository(repository, { input }));
  const lowered = needles.map((needle) => needle.toLowerCase());
  const hits: GrepHit[] = [];
  let offset = 0;
  for (const file of files) {
    const newline = output.indexOf(0x0a, offset);
    if (newline === -1) break;
    const [, type = '', size = ''] = output.subarray(offset, newline).toString('utf8').split(' ');
    const length = type === 'blob' ? Number(size) : 0;
    const bytes = output.subarray(newline + 1, newline + 1 + length);
    offset = type === 'blob' ? newline + 1 + length + 1 : newline + 1;
    const decoded = decodeManifest(bytes);
    if (!('text' in decoded) || decoded.encoding === 'utf-8') continue;
    decoded.text.split('\n').forEach((text, index) => {
      const lower = text.toLowerCase();
      if (lowered.some((needle) => lower.includes(needle))) hits.push({ file, line: index + 1, text });
    });
  }
  return hits;
}

/** Pathspecs that match exactly these files (no wildcard, no magic read from the names). */
export const literalPathspecs = (files: readonly string[]): string[] => files.map((file) => `:(literal)${file}`);
