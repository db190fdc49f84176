import path from 'node:path';
import { git } from '../git/git.js';
import { checkoutGit } from './checkoutRepository.js';
import type { Gitlink } from './submodules.js';

/**
 * The files of submodules as a recursive clone holds them, from a checkout that laid them out
 * (submodules.ts): every blob of each one's recorded commit, nested submodules' too, as paths
 * from the checkout's work tree.
 */
export async function submoduleFiles(workTree: string, links: readonly Gitlink[]): Promise<string[]> {
  const files: string[] = [];
  for (const link of links) {
    const output = await git(
      ['ls-tree', '-r', '-z', '--full-tree', link.oid],
      checkoutGit(path.join(workTree, link.path)),
    );
    const nested: Gitlink[] = [];
    for (const record of output.split('\0')) {
      const tab = record.indexOf('\t');
      if (tab === -1) continue;
      const [, type = '', oid = ''] = record.slice(0, tab).split(' ');
      const file = `${link.path}/${record.slice(tab + 1)}`;
      if (type === 'blob') files.push(file);
      else if (type === 'commit') nested.push({ path: file, oid });
    }
    files.push(...(await submoduleFiles(workTree, nested)));
  }
  return files;
}
