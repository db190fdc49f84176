import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Whether reading a file in `directory` updates its access time (not so on a `noatime` mount). */
function accessTimesWork(directory: string): boolean {
  const probe = path.join(directory, '.atime-probe');
  try {
    writeFileSync(probe, 'nixtag\n');
    utimesSync(probe, 0, statSync(probe).mtime);
    readFileSync(probe);
    return statSync(probe).atimeMs !== 0;
  } catch {
    return false;
  }
}

/**
 * Arms a probe on the checkout's `.git/HEAD`: the returned function says whether anything read it
 * since, which Nix does exactly when an expression asks git about the checkout (`fetchGit ./.`,
 * `lib.fileset.gitTracked`) or copies `.git` in. Its access time is set to 0 and looked at again
 * afterwards; where access times are not kept, it answers yes, which costs time, never a verdict.
 */
export function armHeadProbe(workTree: string): () => boolean {
  const head = path.join(workTree, '.git', 'HEAD');
  if (!accessTimesWork(path.dirname(workTree))) return () => true;
  try {
    utimesSync(head, 0, statSync(head).mtime);
  } catch {
    return () => true;
  }
  return () => {
    try {
      return statSync(head).atimeMs !== 0;
    } catch {
      return true;
    }
  };
}
