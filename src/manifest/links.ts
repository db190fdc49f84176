import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';

/** As the kernel's limit on symlinks followed in one lookup (Linux's is 40). */
const MAX_LINKS = 40;

/** What reading a path passes through (`linksThrough`). */
export interface LinkWalk {
  /** Repository paths: each symlink met and the path reached at the end (inside the repository). */
  passed: string[];
  /** Whether any symlink was met on the way. */
  linked: boolean;
  /** The repository path reached at the end ('' for the root itself); undefined outside the repository. */
  reached: string | undefined;
  /**
   * The first symlink (a repository path) whose target is absolute, or that leads out of the
   * repository (even to come back in: CI's clone has another directory name); undefined if none.
   */
  leaves?: { link: string; why: 'absolute' | 'outside' } | undefined;
}

/** lstat that answers undefined where there is nothing to stat (absent, a file on the way, a loop). */
function lstatOrNothing(file: string): Stats | undefined {
  try {
    return lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * The repository paths that reading `file` under `realRoot` (a root with no symlinks in it)
 * passes through, resolved as the kernel does, one component at a time: each symlink met (the
 * file's own, every link of a chain, a linked directory on the way) and the path reached at the
 * end, whether or not it exists (a dangling link reads what appears there). Changing any of them
 * changes what the file holds. Paths outside the repository are left out: no tree has them
 * (`leaves` names the link that goes there).
 */
export function linksThrough(realRoot: string, file: string): LinkWalk {
  const passed = new Set<string>();
  const relativeOf = (absolute: string) => path.relative(realRoot, absolute);
  const inside = (relative: string) => !relative.startsWith('..') && !path.isAbsolute(relative);
  const note = (absolute: string) => {
    const relative = relativeOf(absolute);
    if (relative !== '' && inside(relative)) passed.add(relative.split(path.sep).join('/'));
  };
  let leaves: LinkWalk['leaves'];
  let lastLink: string | undefined;
  let current = realRoot;
  let pending = file.split('/');
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    const next = part === '..' ? path.dirname(current) : path.join(current, part);
    if (links < MAX_LINKS && lstatOrNothing(next)?.isSymbolicLink()) {
      links += 1;
      note(next);
      lastLink = relativeOf(next).split(path.sep).join('/');
      const to = readlinkSync(next);
      pending = [...to.split('/'), ...pending];
      if (path.isAbsolute(to)) {
        current = path.parse(to).root;
        leaves ??= { link: lastLink, why: 'absolute' };
      }
      continue;
    }
    current = next;
    if (lastLink !== undefined && !inside(relativeOf(current))) leaves ??= { link: lastLink, why: 'outside' };
  }
  note(current);
  const end = relativeOf(current);
  const reached = inside(end) ? end.split(path.sep).join('/') : undefined;
  return { passed: [...passed], linked: links > 0, reached, leaves };
}

/** `linksThrough`'s paths alone: what a symlinked manifest is read through (for the last judgement). */
export function pathsThrough(realRoot: string, file: string): string[] {
  return linksThrough(realRoot, file).passed;
}
