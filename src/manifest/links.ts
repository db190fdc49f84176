import { lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** As the kernel's limit on symlinks followed in one lookup (Linux's is 40). */
const MAX_LINKS = 40;

/**
 * The repository paths that reading `file` under `realRoot` (a root with no symlinks in it)
 * passes through, resolved as the kernel does, one component at a time: each symlink met (the
 * file's own, every link of a chain, a linked directory on the way) and the path reached at the
 * end, whether or not it exists (a dangling link reads what appears there). Changing any of them
 * changes what the file holds. Paths outside the repository are left out: no tree has them.
 */
export function pathsThrough(realRoot: string, file: string): string[] {
  const passed = new Set<string>();
  const note = (absolute: string) => {
    const relative = path.relative(realRoot, absolute);
    if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) {
      passed.add(relative.split(path.sep).join('/'));
    }
  };
  let current = realRoot;
  let pending = file.split('/');
  for (let links = 0; pending.length > 0;) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    const next = part === '..' ? path.dirname(current) : path.join(current, part);
    if (links < MAX_LINKS && lstatSync(next, { throwIfNoEntry: false })?.isSymbolicLink()) {
      links += 1;
      note(next);
      const to = readlinkSync(next);
      pending = [...to.split('/'), ...pending];
      if (path.isAbsolute(to)) current = path.parse(to).root;
      continue;
    }
    current = next;
  }
  note(current);
  return [...passed];
}
