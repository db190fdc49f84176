import { algorithmOf, readLooseObject, writeLooseObject } from './looseObjects.js';
import type { Change } from './rawDiff.js';

/*
 * The id of the index's tree, derived from a tree git wrote before and `git diff-index --cached`
 * against it, instead of asking `git write-tree`: after a bare `git add` (`check --staged` typed
 * by hand, `git commit PATH...`) write-tree first writes the whole index back, which on a
 * 20,000-file repository costs twice the diff that nixtag runs anyway. Only the trees on the
 * changed paths are built, byte for byte as git builds them (mode, name, raw id; directories
 * sorted as if their names ended in `/`), and stored as loose objects, as write-tree stores
 * them. Anything out of the ordinary (a tree git has packed, an unmerged path, a name that is
 * not UTF-8) answers undefined and the caller asks git.
 */

/** A tree entry; its name is held as latin1, one character per byte, so strings compare as bytes. */
interface Entry {
  mode: string;
  name: string;
  oid: Buffer;
}

const TREE_MODE = '40000';

/** A tree read straight from the object store when it is loose and intact; undefined otherwise. */
function readLooseTree(objects: string, oid: string): Map<string, Entry> | undefined {
  const data = readLooseObject(objects, oid, 'tree', { verify: true });
  if (data === undefined) return undefined; // packed, not there, or not this tree
  const width = oid.length / 2;
  const entries = new Map<string, Entry>();
  for (let at = 0; at < data.length;) {
    const space = data.indexOf(0x20, at);
    const end = data.indexOf(0, space);
    if (space < 0 || end < 0 || end + 1 + width > data.length) return undefined;
    const name = data.toString('latin1', space + 1, end);
    entries.set(name, { mode: data.toString('latin1', at, space), name, oid: data.subarray(end + 1, end + 1 + width) });
    at = end + 1 + width;
  }
  return entries;
}

/** Git's order of tree entries: by name bytes, a directory's name as if it ended in `/`. */
const sortKey = (entry: Entry) => (entry.mode === TREE_MODE ? `${entry.name}/` : entry.name);

/** Stores a tree as a loose object (unless it is there already) and returns its id. */
function writeTree(objects: string, entries: Iterable<Entry>, algorithm: string): string {
  const sorted = [...entries].map((entry) => ({ entry, key: sortKey(entry) }));
  sorted.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const length = sorted.reduce(
    (sum, { entry }) => sum + entry.mode.length + entry.name.length + 2 + entry.oid.length,
    0,
  );
  const content = Buffer.allocUnsafe(length);
  let at = 0;
  for (const { entry } of sorted) {
    at += content.write(`${entry.mode} ${entry.name}\0`, at, 'latin1');
    at += entry.oid.copy(content, at);
  }
  return writeLooseObject(objects, 'tree', content, algorithm);
}

const parentOf = (directory: string) => (directory.includes('/') ? directory.slice(0, directory.lastIndexOf('/')) : '');
const baseOf = (file: string) => file.slice(file.lastIndexOf('/') + 1);
/** A path component from git's (UTF-8) output, as tree entries hold names. */
const key = (name: string) => Buffer.from(name).toString('latin1');

/**
 * The id of `base` with `changes` (records of `git diff-index --cached -r` against it) applied,
 * its new trees stored in `objects`; undefined when git has to answer instead.
 */
export function treeWithChanges(objects: string, base: string, changes: readonly Change[]): string | undefined {
  const algorithm = algorithmOf(base);
  const width = base.length / 2;
  // Nothing changed: the base itself (git has it: it has just compared the index with it).
  if (changes.length === 0) return base;
  if (changes.some((change) => !/^[MADT]$/.test(change.status) || change.path.includes('\uFFFD'))) return undefined;
  const directories = new Map<string, Map<string, Entry> | undefined>();
  const load = (directory: string): Map<string, Entry> | undefined => {
    if (directories.has(directory)) return directories.get(directory);
    let entries: Map<string, Entry> | undefined;
    if (directory === '') entries = readLooseTree(objects, base);
    else {
      const parent = load(parentOf(directory));
      const entry = parent?.get(key(baseOf(directory)));
      entries =
        parent === undefined
          ? undefined
          : entry?.mode === TREE_MODE
            ? readLooseTree(objects, entry.oid.toString('hex'))
            : new Map(); // a new directory (where a file was: its deletion comes first)
    }
    directories.set(directory, entries);
    return entries;
  };
  // Deletions first: a file may become a directory, or a directory a file.
  const ordered = [...changes].sort((a, b) => Number(b.status === 'D') - Number(a.status === 'D'));
  for (const change of ordered) {
    const entries = load(parentOf(change.path));
    if (entries === undefined) return undefined;
    const name = baseOf(change.path);
    if (change.status === 'D') entries.delete(key(name));
    else if (change.oid.length !== width * 2) return undefined;
    else entries.set(key(name), { mode: change.mode, name: key(name), oid: Buffer.from(change.oid, 'hex') });
  }
  // Deepest first, so that each directory's id is known before its parent is written.
  const depth = (directory: string) => (directory === '' ? 0 : directory.split('/').length);
  const touched = [...directories.keys()].sort((a, b) => depth(b) - depth(a));
  let root: string | undefined;
  for (const directory of touched) {
    const entries = directories.get(directory)!;
    if (directory === '') {
      root = writeTree(objects, entries.values(), algorithm);
      continue;
    }
    const parent = directories.get(parentOf(directory))!;
    const name = key(baseOf(directory));
    const current = parent.get(name);
    if (entries.size === 0) {
      if (current?.mode === TREE_MODE) parent.delete(name); // git keeps no empty directory
      continue;
    }
    if (current !== undefined && current.mode !== TREE_MODE) return undefined; // a file and a directory at once
    const oid = writeTree(objects, entries.values(), algorithm);
    parent.set(name, { mode: TREE_MODE, name, oid: Buffer.from(oid, 'hex') });
  }
  return root;
}
