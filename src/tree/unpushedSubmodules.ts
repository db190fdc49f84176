import { WITHOUT_USER_FILES } from './checkoutRepository.js';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { submoduleSource } from './submoduleSources.js';

/** A submodule of a pushed commit, at a commit its clone here has on no remote-tracking branch. */
export interface UnpushedSubmodule {
  path: string;
  oid: string;
}

/** `submodule.<name>.path` of the commit's `.gitmodules`, by path; none when it has none. */
async function declared(repository: Repository, commit: string): Promise<Map<string, string>> {
  const args = ['config', '--blob', `${commit}:.gitmodules`, '--null', '--get-regexp', '^submodule\\..*\\.path$'];
  const output = await git(args, inRepository(repository)).catch(() => ''); // no .gitmodules, or nothing in it
  const names = new Map<string, string>();
  for (const record of output.split('\0')) {
    const [key = '', value = ''] = record.split('\n');
    const name = /^submodule\.(.*)\.path$/.exec(key)?.[1];
    if (name !== undefined && value !== '') names.set(value, name);
  }
  return names;
}

/**
 * The root's submodules of `commit` whose recorded commit no remote-tracking branch of their
 * clone here contains: never pushed, perhaps, and then CI's recursive clone cannot fetch it. Asked
 * offline, of what the last fetch saw (a clone with no remote-tracking branch says nothing), so it
 * can only warn. A few git processes, and none for a commit without `.gitmodules`.
 */
export async function unpushedSubmodules(repository: Repository, commit: string): Promise<UnpushedSubmodule[]> {
  const names = await declared(repository, commit);
  if (names.size === 0) return [];
  const listing = await git(['ls-tree', '-z', commit, '--', ...names.keys()], inRepository(repository));
  const home = { gitDirs: [...new Set([repository.gitDir, repository.commonDir])], workTree: repository.root };
  const unpushed: UnpushedSubmodule[] = [];
  for (const record of listing.split('\0')) {
    const [info = '', file = ''] = record.split('\t');
    const [mode, , oid = ''] = info.split(' ');
    if (mode !== '160000') continue;
    const source = await submoduleSource(home, names.get(file) ?? file, file, oid);
    if (source === undefined) continue; // not here: the checkout says so (SUBMODULE_MISSING)
    const inModule = { cwd: source.gitDir, env: { ...WITHOUT_USER_FILES, GIT_DIR: source.gitDir } };
    const remotes = await git(['for-each-ref', '--count=1', '--format=%(refname)', 'refs/remotes/'], inModule);
    if (remotes.trim() === '') continue;
    const outside = await git(['rev-list', '-n', '1', oid, '--not', '--remotes'], inModule).catch(() => '');
    if (outside.trim() !== '') unpushed.push({ path: file, oid });
  }
  return unpushed;
}
