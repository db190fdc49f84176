import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { checkoutGit, initCheckout, setHead, WITHOUT_USER_FILES } from './checkoutRepository.js';
import { git } from '../git/git.js';
import { submoduleSource, type SubmoduleHome } from './submoduleSources.js';

export type { SubmoduleHome } from './submoduleSources.js';

/** A gitlink in a tree: a submodule path and the commit recorded for it. */
export interface Gitlink {
  path: string;
  oid: string;
}

/** Gitlinks (mode 160000) among `git ls-files -s -z` or `diff` records of a checkout. */
export async function gitlinksOf(workTree: string): Promise<Gitlink[]> {
  const output = await git(['ls-files', '--stage', '-z'], checkoutGit(workTree));
  return output
    .split('\0')
    .filter((record) => record.startsWith('160000 '))
    .map((record) => {
      const [info = '', file = ''] = record.split('\t');
      return { path: file, oid: info.split(' ')[1] ?? '' };
    });
}

/** Submodule names by path, from the checkout's `.gitmodules` (names default to paths). */
async function namesByPath(workTree: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!existsSync(path.join(workTree, '.gitmodules'))) return names;
  const output = await git(
    ['config', '--file', '.gitmodules', '--null', '--get-regexp', '^submodule\\..*\\.path$'],
    checkoutGit(workTree),
  ).catch(() => ''); // `--get-regexp` fails when nothing matches (or git cannot parse it): names are paths
  for (const record of output.split('\0')) {
    const [key = '', value = ''] = record.split('\n');
    const name = /^submodule\.(.*)\.path$/.exec(key)?.[1];
    if (name !== undefined && value !== '') names.set(value, name);
  }
  return names;
}

/** The checkout a submodule is checked out in: its work tree, and the git directory that holds `modules/`. */
export interface CheckoutRepository {
  workTree: string;
  gitDir: string;
}

/**
 * A name git refuses for a submodule (a `..` component would put its git directory outside
 * `modules/`): a recursive clone leaves such a submodule out, and so does this.
 */
const suspicious = (name: string) => name === '' || name.split(/[\\/]/).includes('..');

/**
 * A submodule's repository laid out as `git clone --recurse-submodules` lays it out: its git
 * directory under the superproject's (`.git/modules/<name>`, nested ones under their parent's),
 * with `core.worktree` pointing back, and in the work tree a gitfile whose text is the relative
 * path (`gitdir: ../.git/modules/lib`). A `builtins.path { path = ./lib; }` takes that file in.
 */
async function initSubmodule(target: string, gitDir: string, objects: string, oid: string): Promise<void> {
  await initCheckout(target, [objects], oid, gitDir);
  await writeFile(path.join(target, '.git'), `gitdir: ${path.relative(target, gitDir)}\n`);
  await git(['config', 'core.worktree', path.relative(gitDir, target)], {
    cwd: gitDir,
    env: { ...WITHOUT_USER_FILES, GIT_DIR: gitDir },
  });
}

/**
 * Checks out each submodule at its recorded commit, as `git clone --recurse-submodules` (Tekton's
 * git-clone) does, recursively: a git repository of its own in the submodule's directory (see
 * initSubmodule), reading the objects the user's clone of it already has. Returns the submodules
 * whose commit is not here (left as empty directories, as a clone without submodules has them),
 * paths from the checkout's work tree.
 */
export async function checkoutSubmodules(
  checkout: CheckoutRepository,
  home: SubmoduleHome,
  gitlinks: readonly Gitlink[],
): Promise<Gitlink[]> {
  if (gitlinks.length === 0) return [];
  const names = await namesByPath(checkout.workTree);
  const missing: Gitlink[] = [];
  for (const link of gitlinks) {
    const name = names.get(link.path) ?? link.path;
    const target = path.join(checkout.workTree, link.path);
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true });
    if (suspicious(name)) continue;
    const gitDir = path.join(checkout.gitDir, 'modules', name);
    await rm(gitDir, { recursive: true, force: true });
    const source = await submoduleSource(home, name, link.path, link.oid);
    if (source === undefined) {
      missing.push(link);
      continue;
    }
    await initSubmodule(target, gitDir, path.join(source.gitDir, 'objects'), link.oid);
    await git(['read-tree', '--reset', '-u', link.oid], checkoutGit(target));
    await setHead(target, link.oid);
    const nested = await checkoutSubmodules({ workTree: target, gitDir }, source.home, await gitlinksOf(target));
    missing.push(...nested.map((inner) => ({ ...inner, path: `${link.path}/${inner.path}` })));
  }
  return missing;
}

/** The error for submodules CI would fetch and this clone does not have. */
export function submodulesMissing(missing: readonly Gitlink[]): NixtagError {
  const [first] = missing;
  return new NixtagError('SUBMODULE_MISSING', messages.submoduleMissing(first!.path, first!.oid), {
    hint: messages.submoduleMissingHint(first!.path),
  });
}
