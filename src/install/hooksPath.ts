import { realpathSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { messages } from '../messages.js';

/** Where core.hooksPath is set: git's scope (`local`, `global`, `system`, …) and the file. */
interface HooksPathSetting {
  scope: string;
  origin: string;
}

async function hooksPathSetting(repository: Repository): Promise<HooksPathSetting | undefined> {
  // `git config --get` fails when the key is unset; the last value wins, as for git itself.
  const line = await git(
    ['config', '--show-scope', '--show-origin', '--get', 'core.hooksPath'],
    inRepository(repository),
  ).catch(() => '');
  const [scope = '', origin = ''] = line.trim().split('\t');
  return scope === '' ? undefined : { scope, origin: origin.replace(/^file:/, '') };
}

/** `file` and, when it is there, the path it really is. */
function spellings(file: string): string[] {
  try {
    return [file, realpathSync(file)];
  } catch {
    return [file];
  }
}

const within = (file: string, directory: string) => {
  const relative = path.relative(directory, file);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
};

/**
 * Plain git hooks go where `git rev-parse --git-path hooks` says, which follows core.hooksPath
 * wherever it is set. Set in ~/.gitconfig or /etc/gitconfig (a company's hooks, git-secrets), or
 * pointing out of the repository, that folder is other repositories' too: nixtag's hooks there
 * would run on every commit of every one of them, with whatever `nixtag` each clone holds.
 * Refused unless `shared` says that is what the user wants.
 */
export async function refuseSharedHooks(repository: Repository, directory: string, shared: boolean): Promise<void> {
  if (shared) return;
  const setting = await hooksPathSetting(repository);
  if (setting === undefined) return;
  const own = setting.scope === 'local' || setting.scope === 'worktree';
  const bases = [repository.root, repository.gitDir, repository.commonDir].flatMap(spellings);
  const inside = spellings(directory).some((file) => bases.some((base) => within(file, base)));
  if (own && inside) return;
  const ownHooks = path.join(repository.commonDir, 'hooks');
  throw new NixtagError('HOOKS_PATH_SHARED', messages.hooksPathShared(directory, setting.scope, setting.origin, own), {
    hint: messages.hooksPathSharedHint(directory, ownHooks),
  });
}

/**
 * A hooks folder git tracks (core.hooksPath = .githooks, the team's hooks, set by a setup script):
 * nixtag's hook written there changes a tracked file, or adds one beside them, and the next
 * `git commit -a` or `git add -A` gives every clone nixtag's hooks, which refuse every commit where
 * nixtag is not installed, in place of the team's. Refused unless `shared` says that is meant.
 */
export async function refuseTrackedHooks(repository: Repository, directory: string, shared: boolean): Promise<void> {
  const real = spellings(directory);
  // Not there yet: nothing in it is tracked.
  if (shared || real.length === 1) return;
  const relative = path.relative(spellings(repository.root).at(-1)!, real[1]!);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return;
  const pathspec = relative === '' ? ':/' : `:(top,literal)${relative.split(path.sep).join('/')}`;
  const listed = await git(['ls-files', '-z', '--', pathspec], inRepository(repository));
  const tracked = listed.split('\0').filter(Boolean);
  if (tracked.length === 0) return;
  const named = relative === '' ? '.' : relative;
  throw new NixtagError('HOOKS_PATH_TRACKED', messages.hooksPathTracked(named, tracked), {
    hint: messages.hooksPathTrackedHint(named),
  });
}
