import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { TreeIndex } from '../../treeIndex.js';
import type { TreeEntry } from '../../types.js';
import { messages } from '../../messages.js';
import { ClosureReach, fetchedMoving, fileInputs, type FileInputs } from './fileInputs.js';
import { ancestors, unionOf, type InputSet } from './inputSet.js';
import type { Moving } from './moving.js';
import type { GitRead } from './gitReads.js';
import type { HashedPath } from './hashedPaths.js';
import type { PathCopy } from './pathCopies.js';
import type { ComputedFetch, WrittenFetch } from './pinnedFetches.js';
import type { ConfinedAnswer } from './confinedAnswers.js';
import { storeCode, type StoreCode } from './storeCode.js';

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

type Found = FileInputs;

/**
 * Each file's inputs, read once however many closures pass through it (a shared expression
 * that 200 images import is read and scanned once).
 */
class SourceReader {
  private readonly found = new Map<string, Promise<Found | 'too-large'>>();
  constructor(private readonly root: string) {}

  inputsOf(file: string, nixByName: boolean): Promise<Found | 'too-large'> {
    const key = `${nixByName ? 'nix' : 'any'}\0${file}`;
    let found = this.found.get(key);
    if (found === undefined) {
      found = followedText(path.join(this.root, file), nixByName).then((text) =>
        text === 'too-large' ? text : text === undefined ? { paths: [file] } : fileInputs(file, text),
      );
      this.found.set(key, found);
    }
    return found;
  }
}

const GITLINK = '160000';
const SYMLINK = '120000';
const isNixName = (file: string) => file.endsWith('.nix');

/**
 * What the closures of one evaluation ask of the tree, each question answered once: 200 images
 * whose closures all reach `./.` look through the tree for its Nix files and symlinks once.
 */
class TreeLookups {
  private readonly nix = new Map<string, string[]>();
  private readonly symlinks = new Map<string, string | null>();
  constructor(
    readonly index: TreeIndex,
    readonly followInto: Follow,
  ) {}

  isNixFile(entry: TreeEntry): boolean {
    return entry.mode !== GITLINK && (this.followInto === 'any' ? BLOB.test(entry.mode) : isNixName(entry.path));
  }

  /** `import ./nix/expr` may name a file without the extension: one named exactly is read as Nix. */
  isImportable(entry: TreeEntry): boolean {
    return (
      entry.mode !== GITLINK &&
      (this.followInto === 'any' ? BLOB.test(entry.mode) : !path.posix.basename(entry.path).includes('.'))
    );
  }

  /** The Nix files under the directory `input` ('' for all). */
  nixUnder(input: string): readonly string[] {
    let found = this.nix.get(input);
    if (found === undefined) {
      found = this.index
        .under(input)
        .filter((entry) => this.isNixFile(entry))
        .map((entry) => entry.path);
      this.nix.set(input, found);
    }
    return found;
  }

  /** A tracked symlink at, under or above `input`: it may lead anywhere. */
  symlinkNear(input: string): string | undefined {
    let found = this.symlinks.get(input);
    if (found === undefined) {
      const [from, to] = this.index.rangeUnder(input);
      const near = [...ancestors(input), ...(input === '' ? [] : [input])].map((file) => this.index.at(file));
      for (let position = from; position < to; position++) near.push(this.index.entries[position]);
      found = near.find((entry) => entry?.mode === SYMLINK)?.path ?? null;
      this.symlinks.set(input, found);
    }
    return found ?? undefined;
  }
}

/** What a closure found: its inputs, and the files it read (followed) on the way. */
type Closure = InputSet & { followed: ReadonlySet<string> };

/** Store code as the closures read it: each file's inputs found once, for every image. */
type StoreReading = Pick<StoreCode, 'within' | 'unreadable'> & { read: FileInputs[]; moving: Moving[] };

function readStoreCode(store: StoreCode): StoreReading {
  const read = store.files.map(({ name, text }) => {
    const found = fileInputs(name, text);
    // Its literals name the store, not the repository: those it names here only over-approximate.
    return { ...found, paths: found.paths.filter((input) => input !== name) };
  });
  const moving = store.fetched.flatMap(({ file, text }) => fetchedMoving(file, text) ?? []);
  const unreadable = store.unreadable === undefined ? {} : { unreadable: store.unreadable };
  return { within: store.within, ...unreadable, read, moving };
}

/**
 * The inputs reachable from `start` (repository paths of Nix files): each file's own path and
 * path literals, followed into every Nix file a literal names, directly or as a directory that
 * holds it (when `tree` follows into `any`, into every tracked file so named), and into every
 * file of `parsed` (the files Nix reported) that a literal so names; with `store`, the code
 * Nix parsed from the store is read as part of every closure, and a file inside a copied
 * directory leads to the tracked file at that place under each input (`f.txt` of a store copy,
 * `code/f.txt` under the input `code`). Files are read from `reader`'s root, a checkout of the
 * tree `tree` lists. Each step looks up what one input covers: the cost is what the closure
 * reaches, not the size of the tree.
 */
async function closure(
  reader: SourceReader,
  start: readonly string[],
  always: readonly string[],
  tree: TreeLookups,
  snippets: readonly Snippet[] = [],
  parsed?: TreeIndex,
  store?: StoreReading,
): Promise<Closure> {
  const { index } = tree;
  const any = tree.followInto === 'any';
  const paths = new Set(always.filter((file) => file !== ''));
  const queue = [...new Set(start)];
  const seen = new Set(queue);
  const enqueue = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    queue.push(file);
  };
  const looked = new Set<string>();
  const across = new ClosureReach();
  const follow = (found: Found) => {
    if (found.untrackable !== undefined) return found.untrackable;
    const reach = across.add(found);
    if (reach !== undefined) return reach.reach;
    for (const input of found.paths) {
      paths.add(input);
      if (looked.has(input)) continue; // what it covers is queued already
      looked.add(input);
      const exact = input === '' ? undefined : index.at(input);
      if (exact !== undefined && (tree.isImportable(exact) || tree.isNixFile(exact))) enqueue(input);
      for (const file of tree.nixUnder(input)) enqueue(file);
      for (const within of store?.within ?? []) {
        const copied = input === '' ? within : `${input}/${within}`;
        if (index.at(copied) !== undefined) enqueue(copied);
      }
      if (parsed !== undefined) {
        if (parsed.at(input) !== undefined) enqueue(input);
        for (const entry of parsed.under(input)) enqueue(entry.path);
      }
    }
    return undefined;
  };
  const whole = (wholeTree: string | undefined): Closure => ({ paths: [''], wholeTree, followed: seen });
  if (store?.unreadable !== undefined) return whole(messages.unreadableStoreCode(store.unreadable));
  for (const found of store?.read ?? []) {
    const untrackable = follow(found);
    if (untrackable !== undefined) return whole(untrackable);
  }
  for (const snippet of snippets) {
    const untrackable = follow(fileInputs(snippet.file, snippet.text));
    if (untrackable !== undefined) return whole(untrackable);
  }
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.size > MAX_FILES) return whole(messages.tooManyInputs(MAX_FILES));
    // Every file counts already: reading them all could only say so again.
    if (any && paths.has('')) return whole(undefined);
    const nixByName = !any || isNixName(next) || !path.posix.basename(next).includes('.');
    const found = await reader.inputsOf(next, nixByName);
    if (found === 'too-large') return whole(messages.tooLargeToFollow(next, MAX_FOLLOWED_BYTES));
    const untrackable = follow(found);
    if (untrackable !== undefined) return whole(untrackable);
  }
  const inputs = [...paths].sort();
  const symlink = inputs.map((input) => tree.symlinkNear(input)).find((found) => found !== undefined);
  if (symlink !== undefined) return whole(messages.symlinkInput(symlink));
  return { paths: inputs, followed: seen };
}

/** The set without the bookkeeping of how it was found. */
const inputSet = ({ paths, wholeTree }: InputSet): InputSet =>
  wholeTree === undefined ? { paths } : { paths, wholeTree };

/**
 * The inputs of images before any evaluation, from their expression files alone: what PATH
 * narrowing asks when no evaluation has recorded them yet. Without Nix to say which files it
 * parses, every file a literal names is read as if it were Nix (over-approximating: a data file's
 * words only add inputs, or make every file count).
 */
export async function staticInputs(
  root: string,
  imageFiles: readonly string[],
  always: readonly string[],
  entries: TreeIndex | readonly TreeEntry[],
  snippets: readonly Snippet[] = [],
): Promise<InputSet> {
  const reader = new SourceReader(root);
  const tree = new TreeLookups(TreeIndex.of(entries), 'any');
  return inputSet(await closure(reader, imageFiles, always, tree, snippets));
}

/** One image as its evaluation's inputs are found: its expression file and its `--arg` text. */
export interface ImageSource {
  file: string;
  snippets: readonly Snippet[];
}

/**
 * The input sets of an evaluation, per image and in all: each image's closure from its own file
 * and `--arg` text, followed into the files Nix reports parsing (absolute paths; those under
 * `root`, the checkout, are the repository's) where its literals name them. A parsed file no
 * image's literals lead to is followed for every image, so what the literals miss, Nix names;
 * one image's change then costs that image's evaluation, not every image's. `settled`: store trees
 * whose reads of the environment are settled (the pin's nixpkgs: storeCode.ts).
 */
export async function evaluationInputs(
  root: string,
  evaluatedFiles: readonly string[],
  images: readonly ImageSource[],
  always: readonly string[],
  entries: TreeIndex | readonly TreeEntry[],
  settled: readonly string[] = [],
): Promise<{
  byImage: InputSet[];
  all: InputSet;
  moving: Array<Moving | undefined>;
  confined: Array<ConfinedAnswer | undefined>;
  readsGit: Array<GitRead | undefined>;
  readsVersion: Array<Moving | undefined>;
  readsFloat: Array<Moving | undefined>;
  copies: PathCopy[][];
  hashed: HashedPath[][];
  fetches: WrittenFetch[][];
  computedFetches: ComputedFetch[][];
  locating: Array<string | undefined>;
}> {
  const tree = new TreeLookups(TreeIndex.of(entries), 'parsed');
  // Files of the checkout by repository path; the rest (the store, the pin's nixpkgs) as they are.
  const parsedFiles: string[] = [];
  const outsideFiles: string[] = [];
  for (const file of evaluatedFiles) {
    const relative = path.relative(root, file);
    if (relative.startsWith('..') || path.isAbsolute(relative)) outsideFiles.push(file);
    else parsedFiles.push(relative.split(path.sep).join('/'));
  }
  const parsed = TreeIndex.of(parsedFiles.map((file) => ({ mode: '100644', oid: '', path: file })));
  const reader = new SourceReader(root);
  // Code from the store belongs to no image's closure by its literals: it counts in every one.
  const store = readStoreCode(await storeCode(outsideFiles, settled));
  const own = await Promise.all(
    images.map((image) => closure(reader, [image.file], always, tree, image.snippets, parsed, store)),
  );
  const reached = new Set(own.flatMap((found) => [...found.followed]));
  const unreached = parsedFiles.filter((file) => !reached.has(file));
  const shared =
    unreached.length > 0 || images.length === 0
      ? [await closure(reader, unreached, always, tree, [], parsed, store)]
      : [];
  const byImage = own.map((found) => unionOf([inputSet(found), ...shared]));
  // What moves each tag, and what confinement may answer otherwise than CI: read in the Nix files
  // its closure read, and those no image's reached; a closure that stopped at a construct it cannot
  // follow may have read any file Nix parsed.
  const found = await Promise.all(
    own.map(async (one, index) => {
      const files = new Set([...one.followed, ...shared.flatMap((other) => [...other.followed])]);
      if (one.wholeTree !== undefined) for (const file of parsedFiles) files.add(file);
      const reads = await Promise.all(
        [...files].map(async (file) => {
          const read = await reader.inputsOf(file, true);
          return read === 'too-large' ? undefined : read;
        }),
      );
      const snippets = images[index]!.snippets.map((snippet) => fileInputs(snippet.file, snippet.text));
      const all = [...reads, ...snippets, ...store.read].filter((read) => read !== undefined);
      // A fetched library's (its code runs in every image's evaluation, as the store code does).
      const movers = [...all.flatMap((read) => (read.moving === undefined ? [] : [read.moving])), ...store.moving];
      const confined = all.flatMap((read) => (read.confined === undefined ? [] : [read.confined]));
      // The repository's own code: a store file's locations are the store's, whoever calls it.
      const own = [...reads, ...snippets].filter((read) => read !== undefined);
      // What acts on a path of the repository's own files; on a parameter, only where some file of
      // the closure passes a path on (`mkApp { src = ./app; }`): `toString port` in a closure that
      // hands no path to a function costs no second evaluation.
      const passes = own.some((read) => read.passesPath === true);
      const locating =
        own.find((read) => read.locating?.definite !== undefined)?.locating?.definite ??
        (passes ? own.find((read) => read.locating?.parameter !== undefined)?.locating?.parameter : undefined);
      return {
        locating,
        readsGit: all.find((read) => read.readsGit !== undefined)?.readsGit,
        readsVersion: all.find((read) => read.readsVersion !== undefined)?.readsVersion,
        // The repository's own code: nixpkgs' floats (lib's `0.5`s) rarely reach a derivation as JSON.
        readsFloat: own.find((read) => read.readsFloat !== undefined)?.readsFloat,
        // The repository's own files: a store file's literals name the store.
        copies: [...reads, ...snippets].flatMap((read) => read?.copies ?? []),
        hashed: [...reads, ...snippets].flatMap((read) => read?.hashed ?? []),
        fetches: [...reads, ...snippets].flatMap((read) => read?.fetches ?? []),
        computedFetches: [...reads, ...snippets].flatMap((read) => read?.computedFetches ?? []),
        moving: movers.find((mover) => mover.kind === 'time') ?? movers[0],
        confined:
          confined.find((answer) => answer.outside) ?? confined.find((answer) => answer.inside !== true) ?? confined[0],
      };
    }),
  );
  const moving = found.map((one) => one.moving);
  const confined = found.map((one) => one.confined);
  const readsGit = found.map((one) => one.readsGit);
  const readsVersion = found.map((one) => one.readsVersion);
  const readsFloat = found.map((one) => one.readsFloat);
  // What a store answers unread, checked against the tree and the urls (engine/hashedPaths.ts, pinnedFetches.ts).
  const stored = {
    copies: found.map((one) => one.copies),
    hashed: found.map((one) => one.hashed),
    fetches: found.map((one) => one.fetches),
    computedFetches: found.map((one) => one.computedFetches),
  };
  const locating = found.map((one) => one.locating);
  const all = unionOf([...byImage, ...shared]);
  return { byImage, all, moving, confined, readsGit, readsVersion, readsFloat, locating, ...stored };
}
