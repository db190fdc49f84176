import type { Gitmodules } from './gitmodules.js';
import type { UnclonableReason } from '../messages.js';

/**
 * What CI's `git clone --recurse-submodules` makes of one gitlink (checked against git 2.39; the
 * clone runs `git submodule update --init --recursive` in the superproject with
 * `submodule.active=.`, and again inside each submodule, where nothing is active):
 * - `checkout`: a section names its path with a URL, and `update` is not `none`
 *   (`checkout`, `rebase` and `merge` check a fresh clone out alike; `branch`, `shallow`, `ignore`,
 *   `fetchRecurseSubmodules` and `active` in `.gitmodules` do not change the commit or the files).
 * - `empty`: the directory is left empty: `update = none` ("Skipping submodule").
 * - `unclonable`: the clone stops (exit 128), nothing is deployed: no URL for the path, a gitlink
 *   of a submodule that no section of its `.gitmodules` names ("No url found"), a `.gitmodules`
 *   git cannot read, or an `update` value `.gitmodules` may not hold anywhere in it. A gitlink of
 *   the superproject no section names (an embedded repository added by `git add`, or a section
 *   removed) too: a bare `git clone --recurse-submodules` leaves it empty and exits 0, but the
 *   clone steps CI runs stop on it with exit 128 ("No url found for submodule path"): Tekton's
 *   git-clone (git-init runs `git submodule init`, then `git submodule update --recursive`), and
 *   `git submodule update --init --recursive` (GitHub's and GitLab's checkouts).
 */
export type SubmoduleLayout =
  | { kind: 'checkout'; name: string }
  | { kind: 'empty'; reason: 'updateNone' }
  | { kind: 'unclonable'; reason: UnclonableReason };

/** How a recursive clone lays out the gitlink at `file` of a repository with `modules`; `nested`: a submodule's own. */
export function submoduleLayout(modules: Gitmodules, file: string, nested: boolean): SubmoduleLayout {
  const { refused } = modules;
  if (refused === 'unparsed') return { kind: 'unclonable', reason: { kind: 'unparsed' } };
  if (refused !== undefined) return { kind: 'unclonable', reason: { kind: 'badUpdate', ...refused } };
  const entry = modules.byPath.get(file);
  if (entry === undefined) {
    return { kind: 'unclonable', reason: { kind: nested ? 'unregisteredNested' : 'unregistered' } };
  }
  if (entry.url === undefined || entry.url === '') return { kind: 'unclonable', reason: { kind: 'noUrl' } };
  if (entry.update === 'none') return { kind: 'empty', reason: 'updateNone' };
  return { kind: 'checkout', name: entry.name };
}
