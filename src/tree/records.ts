import path from 'node:path';
import { ensureDirectoryUnder, nixtagDirectory } from '../nixtagDirectory.js';
import { checkoutsRoot, claimCheckouts, claimElsewhere, elsewhereRoot, removeCheckouts } from './checkoutsRoot.js';

/**
 * What the judged-tree subsystem keeps between runs: a checkout per kind of tree (a "slot":
 * worktree, index, rev, so that the kinds do not undo each other's incremental updates) with its
 * record (checkoutRecord.ts), outside the repository's `.git` (checkoutsRoot.ts: a source filter
 * sees absolute paths); under `<git dir>/nixtag`, the index's last tree id (the base the next one
 * is derived from: judgedTree.ts), and per-process scratch indexes. All of it can be rebuilt;
 * every such path is named here and nowhere else.
 */
export function treeRecords(gitDir: string) {
  const root = nixtagDirectory(gitDir);
  const checkouts = checkoutsRoot(root);
  const elsewhere = elsewhereRoot(root);
  return {
    /** Where one kind of judged tree is checked out, with its record. */
    slot: (kind: string) => path.join(checkouts, 'trees', kind),
    /** Where it is checked out a second time, at another place (a word of the path each: w, i, r). */
    elsewhere: (kind: string) => (elsewhere === undefined ? undefined : path.join(elsewhere, kind.slice(0, 1))),
    /** Before a slot is read or written (under the lock): the checkouts are this repository's. */
    claim: () => claimCheckouts(root, checkouts),
    /** Before the second place is read or written: it is this repository's, and others' left by deleted ones go. */
    claimElsewhere: () => {
      if (elsewhere !== undefined) claimElsewhere(root, elsewhere);
    },
    /** Removes the checkouts (CI mode's fresh state, at the end of its run). */
    remove: () => {
      removeCheckouts(root, checkouts);
      if (elsewhere !== undefined) removeCheckouts(root, elsewhere);
    },
    /** The index's tree id when last asked. */
    indexTree: path.join(root, 'index-tree'),
    /** A per-process copy of the index, for the working tree's tree id. */
    scratchIndex: (pid: number) => path.join(root, `worktree-index-${pid}`),
    /** Makes `directory` (under `<git dir>/nixtag` or the checkouts') a directory, removing whatever is in the way. */
    ensure: (directory: string) =>
      ensureDirectoryUnder(
        [checkouts, elsewhere].find((base) => base !== undefined && directory.startsWith(`${base}${path.sep}`)) ?? root,
        directory,
      ),
  };
}
