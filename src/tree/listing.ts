import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import type { TreeEntry } from '../types.js';

/**
 * A tree's entries, recursively: its files (blobs, with their modes) and apart from them its
 * gitlinks (mode 160000, a submodule's path and the commit recorded for it), which are never
 * files (no manifest, no configuration) but are inputs of whatever lies at or under them.
 */
export interface TreeListing {
  files: TreeEntry[];
  gitlinks: TreeEntry[];
  /**
   * Git lists paths in byte order, which is JavaScript's string order unless a name holds a
   * character beyond the BMP (or bytes that are not UTF-8): then false, and users sort again.
   */
  sorted: boolean;
}

/** What makes git's byte order and the decoded strings' order differ: surrogates, U+FFFD. */
const REORDERS = /[\uD800-\uDFFF\uFFFD]/;

/**
 * Every file and gitlink of a tree (recursively), with its mode and object id. Read in one pass
 * over git's output, by position (`<mode> <type> <id>\t<path>`, the mode always six digits):
 * a 100,000-file tree is listed on every run that is not idle.
 */
export function listTree(repository: Repository, tree: string): Promise<TreeListing> {
  // A tree's listing never changes: the last few are kept, so that one listed ahead (the index's
  // tree, while git stats the work tree to say whether it is the judged one) is listed once.
  const key = `${repository.commonDir}\0${tree}`;
  let listing = listed.get(key);
  if (listing === undefined) {
    listing = readListing(repository, tree);
    listing.catch(() => listed.delete(key));
    listed.set(key, listing);
    for (const old of listed.keys()) if (listed.size > KEPT) listed.delete(old);
  }
  return listing;
}

const KEPT = 2;
const listed = new Map<string, Promise<TreeListing>>();

async function readListing(repository: Repository, tree: string): Promise<TreeListing> {
  const output = await git(['ls-tree', '-r', '-z', '--full-tree', tree], inRepository(repository));
  const listing: TreeListing = { files: [], gitlinks: [], sorted: !REORDERS.test(output) };
  for (let start = 0; start < output.length;) {
    const end = output.indexOf('\0', start);
    const stop = end === -1 ? output.length : end;
    const tab = output.indexOf('\t', start);
    const oidStart = output.indexOf(' ', start + 7) + 1;
    if (tab !== -1 && tab < stop && oidStart > 0) {
      const entry = {
        mode: output.slice(start, start + 6),
        oid: output.slice(oidStart, tab),
        path: output.slice(tab + 1, stop),
      };
      const type = output.slice(start + 7, oidStart - 1);
      if (type === 'blob') listing.files.push(entry);
      else if (type === 'commit') listing.gitlinks.push(entry);
    }
    start = stop + 1;
  }
  return listing;
}
