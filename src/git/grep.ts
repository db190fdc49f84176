import { linesHolding } from '../manifest/searchText.js';
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
 * when given (`literalPathspecs` names files exactly). The search never misses a name a reader
 * reads: a file git takes for binary (a null byte) is searched as the manifest reader decodes it
 * (UTF-16 or UTF-32: kustomize and kubectl decode a UTF-16 patch or kustomization), binary data
 * left out, and a file with a YAML or JSON escape that can spell a name (`\x2f`, `\u002f`, `\/`,
 * an escaped line break) is searched with its escapes written out (manifest/searchText.ts).
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
  const plain = new Set(hits.map(({ file, line }) => `${file}\0${line}`));
  const fresh = decoded.filter(({ file, line }) => !plain.has(`${file}\0${line}`));
  const order = (a: GrepHit, b: GrepHit) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);
  return [...hits, ...fresh].sort(order);
}

/** Patterns (`git grep`'s basic ones) of a line with an escape that can spell a name, or an escaped line break. */
export const ESCAPE_PATTERNS = ['-e', '\\\\[xuU/]', '-e', '\\\\$', '-e', '\\\\\r$'];

/**
 * The files `pathspecs` match in a tree that a literal search can miss a name in: those holding
 * a null byte (binary to `git grep -I`), and text files with an escape (ESCAPE_PATTERNS).
 */
async function filesToDecode(repository: Repository, tree: string, pathspecs: readonly string[]): Promise<string[]> {
  const list = async (args: readonly string[]) => {
    const output = await gitMaybe(['grep', '-l', '-z', ...args, tree, '--', ...pathspecs], inRepository(repository));
    const prefix = `${tree}:`;
    return (output ?? '')
      .split('\0')
      .filter((file) => file !== '')
      .map((file) => (file.startsWith(prefix) ? file.slice(prefix.length) : file));
  };
  const withNull = async () => {
    try {
      return await list(['-a', '-P', '-e', '\\x00']);
    } catch (error) {
      if (!(error instanceof NixtagError)) throw error;
      // A git built without PCRE: every file with a line, less the text files.
      const text = new Set(await list(['-I', '-e', '']));
      return (await list(['-e', ''])).filter((file) => !text.has(file));
    }
  };
  const [binary, escaped] = await Promise.all([withNull(), list(['-I', ...ESCAPE_PATTERNS])]);
  return [...new Set([...binary, ...escaped])].sort();
}

/**
 * As `git grep -i -F`, the lines holding `needles` of the files a literal search can miss a name
 * in, decoded as manifests are (UTF-16, UTF-32), escapes written out.
 */
async function grepDecoded(
  repository: Repository,
  tree: string,
  needles: readonly string[],
  pathspecs: readonly string[],
): Promise<GrepHit[]> {
  const files = (await filesToDecode(repository, tree, pathspecs)).filter((file) => !file.includes('\n'));
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
    for (const { line, text } of linesHolding(bytes, lowered)) hits.push({ file, line, text });
  }
  return hits;
}

/** Pathspecs that match exactly these files (no wildcard, no magic read from the names). */
export const literalPathspecs = (files: readonly string[]): string[] => files.map((file) => `:(literal)${file}`);
