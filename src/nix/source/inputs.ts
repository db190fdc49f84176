import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TreeEntry } from '../../types.js';
import { messages } from '../../messages.js';
import { fileInputs, type FileInputs } from './fileInputs.js';
import { covers, type InputSet } from './inputSet.js';

// What an evaluation can read of the repository: the files Nix parsed, every path literal in
// them (a file, or a whole directory; fileInputs.ts reads one file), the configuration and the
// pin (state/inputKey.ts keeps the set and its key).

/**
 * Nix text that is not a file of the tree but is evaluated as if it were `file`: a `--arg`
 * expression of the configuration, parsed in its image's directory.
 */
export interface Snippet {
  file: string;
  text: string;
}

/** Beyond this many Nix files the closure is not followed: every tracked file counts. */
const MAX_FILES = 5_000;

/**
 * A file that may be Nix by its name alone is followed whatever its size; any other file a
 * static reading follows is read up to this size, and beyond it every tracked file counts.
 */
const MAX_FOLLOWED_BYTES = 1 << 20;

/** A NUL in the first bytes: a binary file, which Nix cannot parse. */
const BINARY_PROBE = 8_000;

const BLOB = /^100[0-7]{3}$/;

/**
 * How far the closure follows. `parsed`: into the Nix files (`.nix`, or a file named exactly
 * whose name has no extension), as an evaluation's inputs do, where Nix itself names every file
 * it parsed. `any`: into every tracked file a literal names or that lies under a directory one
 * names, whatever its name (`import ./image.nix.in`, `import ./nix/${name}`): without an
 * evaluation, nothing else says which of them Nix would parse.
 */
type Follow = 'parsed' | 'any';

/** Text to scan for literals; undefined for a binary file; too-large for a large non-Nix one. */
async function followedText(file: string, nixByName: boolean): Promise<string | undefined | 'too-large'> {
  if (nixByName) return readFile(file, 'utf8').catch(() => '');
  const size = await stat(file).then(
    (found) => found.size,
    () => 0,
  );
  if (size > MAX_FOLLOWED_BYTES) return 'too-large';
  const bytes = await readFile(file).catch(() => Buffer.alloc(0));
  if (bytes.subarray(0, BINARY_PROBE).includes(0)) return undefined;
  return bytes.toString('utf8');
}

/**
 * The inputs reachable from `start` (repository paths of Nix files): each file's own path and
 * path literals, followed into every Nix file a literal names, directly or as a directory that
 * holds it (with `follow: 'any'`, into every tracked file so named). Files are read from
 * `root`, a checkout of the tree `entries` lists.
 */
async function closure(
  root: string,
  start: readonly string[],
  always: readonly string[],
  entries: readonly TreeEntry[],
  snippets: readonly Snippet[] = [],
  followInto: Follow = 'parsed',
): Promise<InputSet> {
  const isNixName = (file: string) => file.endsWith('.nix');
  const nixFiles = entries
    .filter((entry) => (followInto === 'any' ? BLOB.test(entry.mode) : isNixName(entry.path)))
    .map((entry) => entry.path);
  // `import ./nix/expr` may name a file without the extension: one named exactly is read as Nix.
  const importable = new Set(
    entries
      .filter((entry) =>
        followInto === 'any' ? BLOB.test(entry.mode) : !path.posix.basename(entry.path).includes('.'),
      )
      .map((entry) => entry.path),
  );
  const paths = new Set(always.filter((file) => file !== ''));
  const queue = [...new Set(start)];
  const seen = new Set(queue);
  const follow = (found: FileInputs) => {
    if (found.untrackable !== undefined) return found.untrackable;
    for (const input of found.paths) {
      paths.add(input);
      if (importable.has(input) && !seen.has(input)) {
        seen.add(input);
        queue.push(input);
      }
      for (const file of nixFiles) {
        if (!seen.has(file) && (input === '' || file === input || file.startsWith(`${input}/`))) {
          seen.add(file);
          queue.push(file);
        }
      }
    }
    return undefined;
  };
  for (const snippet of snippets) {
    const untrackable = follow(fileInputs(snippet.file, snippet.text));
    if (untrackable !== undefined) return { paths: [''], wholeTree: untrackable };
  }
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.size > MAX_FILES) return { paths: [''], wholeTree: messages.tooManyInputs(MAX_FILES) };
    // Every file counts already: reading them all could only say so again.
    if (followInto === 'any' && paths.has('')) return { paths: [''] };
    const nixByName = followInto === 'parsed' || isNixName(next) || !path.posix.basename(next).includes('.');
    const text = await followedText(path.join(root, next), nixByName);
    if (text === 'too-large') return { paths: [''], wholeTree: messages.tooLargeToFollow(next, MAX_FOLLOWED_BYTES) };
    const untrackable = follow(text === undefined ? { paths: [next] } : fileInputs(next, text));
    if (untrackable !== undefined) return { paths: [''], wholeTree: untrackable };
  }
  const inputs = [...paths].sort();
  const symlink = entries.find((entry) => entry.mode === '120000' && covers(inputs, entry.path, true));
  if (symlink !== undefined) return { paths: [''], wholeTree: messages.symlinkInput(symlink.path) };
  return { paths: inputs };
}

/**
 * The inputs of images before any evaluation, from their expression files alone: what PATH
 * narrowing asks when no evaluation has recorded them yet. Without Nix to say which files it
 * parses, every file a literal names is read as if it were Nix (over-approximating: a data file's
 * words only add inputs, or make every file count).
 */
export function staticInputs(
  root: string,
  imageFiles: readonly string[],
  always: readonly string[],
  entries: readonly TreeEntry[],
  snippets: readonly Snippet[] = [],
): Promise<InputSet> {
  return closure(root, imageFiles, always, entries, snippets, 'any');
}

/**
 * The input set of an evaluation: the closure from the files Nix reports parsing (absolute paths;
 * those under `root`, the checkout, are the repository's) and the images' own files. A file Nix
 * parsed is followed even where no literal leads to it, so what the literals miss, Nix names.
 */
export async function evaluationInputs(
  root: string,
  evaluatedFiles: readonly string[],
  imageFiles: readonly string[],
  always: readonly string[],
  entries: readonly TreeEntry[],
  snippets: readonly Snippet[] = [],
): Promise<InputSet> {
  const parsed = evaluatedFiles
    .map((file) => path.relative(root, file))
    .filter((relative) => !relative.startsWith('..') && !path.isAbsolute(relative)) // the store, the pin's nixpkgs
    .map((relative) => relative.split(path.sep).join('/'));
  return closure(root, [...imageFiles, ...parsed], always, entries, snippets);
}
