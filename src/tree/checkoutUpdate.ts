import { mkdirSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Change } from './rawDiff.js';
import { readBlobs } from './stagedBlobs.js';
import { checkoutGit } from './checkoutRepository.js';
import { git } from '../git/git.js';
import type { Repository } from '../git/repository.js';

function removeEmptyParents(root: string, file: string): void {
  for (let directory = path.dirname(file); directory !== '.'; directory = path.dirname(directory)) {
    try {
      rmdirSync(path.join(root, directory));
    } catch {
      return; // not empty, or already gone
    }
  }
}

/**
 * Writes a diff's blobs as they are, for a tree without `.gitattributes` (where git, with no
 * configuration of the user's, converts nothing): deletions first (a file may become a
 * directory), then the rest. The checkout's index learns the same entries, so that the
 * repository stays clean for Nix's `fetchGit`. File system calls are synchronous: an update
 * usually writes a file or two, where rounds through the thread pool cost more than the writes.
 */
export async function writeChanges(repository: Repository, workTree: string, changes: Change[]): Promise<void> {
  for (const change of changes.filter((entry) => entry.status === 'D')) {
    rmSync(path.join(workTree, change.path), { force: true, recursive: true });
    removeEmptyParents(workTree, change.path);
  }
  const written = changes.filter((entry) => entry.status !== 'D');
  const blobs = await readBlobs(
    repository,
    written.filter((entry) => entry.mode !== '160000').map((entry) => entry.oid),
  );
  for (const change of written) {
    const file = path.join(workTree, change.path);
    mkdirSync(path.dirname(file), { recursive: true });
    rmSync(file, { force: true, recursive: true });
    if (change.mode === '160000')
      mkdirSync(file, { recursive: true }); // a submodule: empty until checkoutSubmodules fills it
    else if (change.mode === '120000')
      symlinkSync(blobs.get(change.oid)!, file); // the target's bytes, as git writes them
    else writeFileSync(file, blobs.get(change.oid)!, { mode: change.mode === '100755' ? 0o755 : 0o644 });
  }
}

/** A diff's entries as `update-index --index-info` takes them (a deletion: mode 0 and the zero id). */
export function indexInfo(changes: Change[], zero: string): string {
  return changes
    .map((change) =>
      change.status === 'D' ? `0 ${zero}\t${change.path}\0` : `${change.mode} ${change.oid}\t${change.path}\0`,
    )
    .join('');
}

/** The checkout's index gets the diff's entries (`update-index --index-info`); contents are written beside. */
export function updateCheckoutIndex(workTree: string, entries: string): Promise<string> {
  return git(['update-index', '-z', '--index-info'], checkoutGit(workTree, { input: entries }));
}
