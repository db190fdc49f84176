import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages, type UnclonableReason } from '../messages.js';
import { checkoutGit, initCheckout, setHead, WITHOUT_USER_FILES } from './checkoutRepository.js';
import { git } from '../git/git.js';
import { submoduleSource, type SubmoduleHome } from './submoduleSources.js';
import { readGitmodules } from './gitmodules.js';
import { submoduleLayout } from './submoduleLayout.js';

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

/** A gitlink CI's recursive clone leaves empty, and why (submoduleLayout.ts). */
interface EmptySubmodule extends Gitlink {
  reason: 'updateNone';
}

/** A gitlink on which CI's recursive clone stops, and why. */
export interface UnclonableSubmodule extends Gitlink {
  reason: UnclonableReason;
  /** The repository whose `.gitmodules` decides ('' the root, else a submodule's path). */
  within: string;
}

/** What checking submodules out found, paths from the checkout's work tree. */
export interface SubmoduleOutcome {
  /** Commits CI fetches that this clone does not have (left empty). */
  missing: Gitlink[];
  /** Left empty, as the clone leaves them. */
  empty: EmptySubmodule[];
  /** Where the clone stops (left empty). */
  unclonable: UnclonableSubmodule[];
}

const prefixed = <T extends Gitlink>(links: readonly T[], prefix: string): T[] =>
  links.map((link) => ({ ...link, path: `${prefix}/${link.path}` }));

/**
 * Checks out each submodule at its recorded commit, as `git clone --recurse-submodules` (Tekton's
 * git-clone) does, recursively: a git repository of its own in the submodule's directory (see
 * initSubmodule), reading the objects the user's clone of it already has. What the clone leaves
 * empty (`update = none`) is left empty here, whatever
 * this clone holds there; a gitlink the clone stops on, and a commit that is not here, are left
 * empty and returned (paths from the checkout's work tree). `nested`: the checkout is a submodule.
 */
export async function checkoutSubmodules(
  checkout: CheckoutRepository,
  home: SubmoduleHome,
  gitlinks: readonly Gitlink[],
  nested = false,
): Promise<SubmoduleOutcome> {
  const outcome: SubmoduleOutcome = { missing: [], empty: [], unclonable: [] };
  if (gitlinks.length === 0) return outcome;
  const modules = await readGitmodules(checkout.workTree);
  for (const link of gitlinks) {
    const layout = submoduleLayout(modules, link.path, nested);
    const target = path.join(checkout.workTree, link.path);
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true });
    if (layout.kind === 'empty') {
      outcome.empty.push({ ...link, reason: layout.reason });
      continue;
    }
    if (layout.kind === 'unclonable') {
      outcome.unclonable.push({ ...link, reason: layout.reason, within: '' });
      continue;
    }
    const { name } = layout;
    if (suspicious(name)) continue;
    const gitDir = path.join(checkout.gitDir, 'modules', name);
    await rm(gitDir, { recursive: true, force: true });
    const source = await submoduleSource(home, name, link.path, link.oid);
    if (source === undefined) {
      outcome.missing.push(link);
      continue;
    }
    await initSubmodule(target, gitDir, path.join(source.gitDir, 'objects'), link.oid);
    await git(['read-tree', '--reset', '-u', link.oid], checkoutGit(target));
    await setHead(target, link.oid);
    const inner = await checkoutSubmodules({ workTree: target, gitDir }, source.home, await gitlinksOf(target), true);
    outcome.missing.push(...prefixed(inner.missing, link.path));
    outcome.empty.push(...prefixed(inner.empty, link.path));
    outcome.unclonable.push(
      ...prefixed(inner.unclonable, link.path).map((found) => ({
        ...found,
        within: found.within === '' ? link.path : `${link.path}/${found.within}`,
      })),
    );
  }
  return outcome;
}

/** The error for submodules CI would fetch and this clone does not have. */
export function submodulesMissing(missing: readonly Gitlink[]): NixtagError {
  const [first] = missing;
  return new NixtagError('SUBMODULE_MISSING', messages.submoduleMissing(first!.path, first!.oid), {
    hint: messages.submoduleMissingHint(first!.path),
  });
}

/** The error for a gitlink CI's recursive clone stops on: nothing would be deployed. */
export function submodulesUnclonable(unclonable: readonly UnclonableSubmodule[]): NixtagError {
  const [first] = unclonable;
  const gitmodules = first!.within === '' ? '.gitmodules' : `${first!.within}/.gitmodules`;
  return new NixtagError('SUBMODULE_UNCLONABLE', messages.submoduleUnclonable(first!.path, gitmodules, first!.reason), {
    // A gitlink no section names is pointed at itself: there may be no .gitmodules at all.
    location: { file: first!.reason.kind === 'unregistered' ? first!.path : gitmodules },
    hint: messages.submoduleUnclonableHint(first!.path, gitmodules, first!.reason),
  });
}
