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
}

/** Every file and gitlink of a tree (recursively), with its mode and object id. */
export async function listTree(repository: Repository, tree: string): Promise<TreeListing> {
  const output = await git(['ls-tree', '-r', '-z', '--full-tree', tree], inRepository(repository));
  const listing: TreeListing = { files: [], gitlinks: [] };
  for (const record of output.split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode = '', type = '', oid = ''] = record.slice(0, tab).split(' ');
    const entry = { mode, oid, path: record.slice(tab + 1) };
    if (type === 'blob') listing.files.push(entry);
    else if (type === 'commit') listing.gitlinks.push(entry);
  }
  return listing;
}
