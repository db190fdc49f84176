import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { checkoutGit, initCheckout, setHead, WITHOUT_USER_FILES } from './checkoutRepository.js';
import { git } from './git.js';

/** Where the submodules of a repository keep their git directories on this machine. */
export interface SubmoduleHome {
  /** The git directory that holds `modules/<name>` (the superproject's common dir). */
  gitDir: string;
  /** The superproject's work tree, where an old-style submodule has its own `.git`. */
  workTree: string;
}

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
  ).catch(() => '');
  for (const record of output.split('\0')) {
    const [key = '', value = ''] = record.split('\n');
    const name = /^submodule\.(.*)\.path$/.exec(key)?.[1];
    if (name !== undefined && value !== '') names.set(value, name);
  }
  return names;
}

/** The git directory of a submodule on this machine: `.git/modules/<name>`, or an old-style `<path>/.git`. */
function localGitDir(home: SubmoduleHome, name: string, file: string): string | undefined {
  const candidates = [path.join(home.gitDir, 'modules', name), path.join(home.workTree, file, '.git')];
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isDirectory()) {
        if (existsSync(path.join(candidate, 'objects'))) return candidate;
        continue;
      }
      const pointer = /^gitdir: (.+)$/m.exec(readFileSync(candidate, 'utf8'))?.[1]?.trim();
      if (pointer !== undefined) return path.resolve(path.dirname(candidate), pointer);
    } catch {
      // not there
    }
  }
  return undefined;
}

/**
 * Checks out each submodule at its recorded commit, as `git clone --recurse-submodules` (Tekton's
 * git-clone) does, recursively: a git repository of its own in the submodule's directory, reading
 * the objects the user's clone of it already has. Returns the submodules whose commit is not here
 * (left as empty directories, as a clone without submodules has them), paths from `workTree`.
 */
export async function checkoutSubmodules(
  workTree: string,
  home: SubmoduleHome,
  gitlinks: readonly Gitlink[],
): Promise<Gitlink[]> {
  if (gitlinks.length === 0) return [];
  const names = await namesByPath(workTree);
  const missing: Gitlink[] = [];
  for (const link of gitlinks) {
    const target = path.join(workTree, link.path);
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true });
    const gitDir = localGitDir(home, names.get(link.path) ?? link.path, link.path);
    const objects = gitDir === undefined ? undefined : path.join(gitDir, 'objects');
    if (gitDir === undefined || !(await hasCommit(objects!, link.oid))) {
      missing.push(link);
      continue;
    }
    await initCheckout(target, [objects!], link.oid);
    await git(['read-tree', '--reset', '-u', link.oid], checkoutGit(target));
    await setHead(target, link.oid);
    const nested = await checkoutSubmodules(
      target,
      { gitDir, workTree: path.join(home.workTree, link.path) },
      await gitlinksOf(target),
    );
    missing.push(...nested.map((inner) => ({ ...inner, path: `${link.path}/${inner.path}` })));
  }
  return missing;
}

/** Whether an object store holds a commit (asked of git, which also follows its alternates). */
function hasCommit(objects: string, oid: string): Promise<boolean> {
  return git(['cat-file', '-e', `${oid}^{commit}`], {
    cwd: objects,
    env: { ...WITHOUT_USER_FILES, GIT_DIR: path.dirname(objects) },
  }).then(
    () => true,
    () => false,
  );
}

/** The error for submodules CI would fetch and this clone does not have. */
export function submodulesMissing(missing: readonly Gitlink[]): NixtagError {
  const [first] = missing;
  return new NixtagError('SUBMODULE_MISSING', messages.submoduleMissing(first!.path, first!.oid), {
    hint: messages.submoduleMissingHint(first!.path),
  });
}
