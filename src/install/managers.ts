import { existsSync } from 'node:fs';
import type { Document, isCollection as IsCollectionFunction } from 'yaml';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { git } from '../git/git.js';
import { openRepository } from '../git/repository.js';
import { messages } from '../messages.js';
import { COMMIT_HOOKS, install, type InstallAction, type InstallResult, type PreCommitMode } from './install.js';
import { readOptional } from '../readOptional.js';
import { addPrepareScript, type HookManager } from './prepare.js';

export type { HookManager } from './prepare.js';

type IsCollection = typeof IsCollectionFunction;

const LEFTHOOK_FILES = ['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml'];
const PRE_COMMIT_FILE = '.pre-commit-config.yaml';

/**
 * The hook manager a repository already uses: husky (core.hooksPath is .husky/_ or .husky/
 * exists), lefthook (its configuration file), the pre-commit framework (.pre-commit-config.yaml),
 * otherwise plain git hooks.
 */
async function detectManager(root: string): Promise<HookManager> {
  // `git config --get` fails when the key is unset.
  const hooksPath = (await git(['config', '--get', 'core.hooksPath'], { cwd: root }).catch(() => '')).trim();
  if (hooksPath.replace(/\/$/, '').endsWith('.husky/_') || existsSync(path.join(root, '.husky'))) return 'husky';
  if (LEFTHOOK_FILES.some((file) => existsSync(path.join(root, file)))) return 'lefthook';
  if (existsSync(path.join(root, PRE_COMMIT_FILE))) return 'pre-commit';
  return 'git';
}

/**
 * A starter file's empty flow collection on the way to `keyPath` (`repos: []`, `commands: {}`)
 * becomes a block one, so that what is added below it reads as the rest of the file does.
 */
function blockStyleAlong(
  document: Document,
  keyPath: ReadonlyArray<string | number>,
  isCollection: IsCollection,
): void {
  for (let length = 1; length <= keyPath.length; length++) {
    const node: unknown = document.getIn(keyPath.slice(0, length), true);
    if (isCollection(node) && node.flow === true && node.items.length === 0) node.flow = false;
  }
}

/** lefthook does not put node_modules/.bin on PATH; `use_stdin` passes git's pre-push lines on. */
async function installLefthook(root: string, mode: PreCommitMode, prePush: boolean): Promise<InstallAction[]> {
  const file = path.join(root, LEFTHOOK_FILES.find((name) => existsSync(path.join(root, name))) ?? 'lefthook.yml');
  const { parseDocument, isCollection } = await import('yaml');
  const document = parseDocument((await readOptional(file)) ?? '');
  const actions: InstallAction[] = [];
  const wire = (hook: InstallAction['hook'], command: Record<string, unknown>) => {
    const keyPath = [hook, 'commands', 'nixtag'];
    const before = JSON.stringify(document.getIn(keyPath) ?? null);
    if (before === JSON.stringify(command)) return actions.push({ hook, file, action: 'unchanged' });
    blockStyleAlong(document, keyPath, isCollection);
    document.setIn(keyPath, document.createNode(command));
    actions.push({ hook, file, action: before === 'null' ? 'installed' : 'updated' });
  };
  // The whole index, not `{staged_files}`: lefthook skips a command whose file list is empty, and
  // a commit that only deletes files or moves a submodule lists none. `--fix` stages its own fix.
  for (const hook of COMMIT_HOOKS) wire(hook, { run: `node_modules/.bin/nixtag hook ${hook} --${mode}` });
  if (prePush) wire('pre-push', { run: 'node_modules/.bin/nixtag hook pre-push', use_stdin: true });
  if (actions.some((action) => action.action !== 'unchanged')) await writeFile(file, document.toString());
  return actions;
}

/**
 * Local hooks in .pre-commit-config.yaml that run the nixtag the repository installed, for commits
 * and merges. Not for pushes: the framework reads git's pre-push lines itself and tells its hooks
 * of one ref at most (none when it finds the commits on some remote branch), so nixtag's pre-push
 * is its plain git hook, beside the framework's (install.ts): each runs the other's first, with
 * git's lines. An entry of an earlier install is dropped.
 */
async function installPreCommitFramework(
  root: string,
  mode: PreCommitMode,
  prePush: boolean,
): Promise<InstallAction[]> {
  const file = path.join(root, PRE_COMMIT_FILE);
  const { parseDocument, isCollection } = await import('yaml');
  const document = parseDocument((await readOptional(file)) ?? 'repos: []\n');
  const hooks = [
    {
      id: 'nixtag',
      name: 'nixtag',
      entry: `node_modules/.bin/nixtag hook pre-commit --${mode}`,
      language: 'system',
      pass_filenames: false,
      always_run: true,
      require_serial: true,
      stages: ['commit'],
    },
    {
      id: 'nixtag-merge',
      name: 'nixtag (merges git records itself)',
      entry: `node_modules/.bin/nixtag hook pre-merge-commit --${mode}`,
      language: 'system',
      pass_filenames: false,
      always_run: true,
      require_serial: true,
      stages: ['merge-commit'],
    },
  ];
  const repos = (document.toJS() as { repos?: Array<{ repo?: string; hooks?: Array<{ id?: string }> }> }).repos ?? [];
  const index = repos.findIndex((repo) => repo.repo === 'local' && repo.hooks?.some((hook) => hook.id === 'nixtag'));
  const entry = { repo: 'local', hooks };
  const unchanged = index !== -1 && JSON.stringify(repos[index]) === JSON.stringify(entry);
  if (!unchanged) {
    if (index === -1) {
      if (!document.has('repos')) document.set('repos', document.createNode([]));
      blockStyleAlong(document, ['repos'], isCollection);
      document.addIn(['repos'], document.createNode(entry));
    } else document.setIn(['repos', index], document.createNode(entry));
    await writeFile(file, document.toString());
  }
  const action = unchanged ? 'unchanged' : index === -1 ? 'installed' : 'updated';
  const hookOf = { nixtag: 'pre-commit', 'nixtag-merge': 'pre-merge-commit' } as const;
  const actions: InstallAction[] = hooks.map((hook) => ({
    hook: hookOf[hook.id as keyof typeof hookOf],
    file,
    action,
  }));
  if (!prePush) return actions;
  const pushed = await install({ cwd: root, manager: 'git', preCommit: mode, prePushOnly: true, leavePrepare: true });
  return [...actions, ...pushed.actions];
}

/** Wires nixtag into the hooks of `manager` (by default the one the repository uses). */
export async function installInto(
  cwd: string,
  options: { manager?: HookManager | undefined; preCommit: PreCommitMode; prePush: boolean },
): Promise<InstallResult & { manager: HookManager }> {
  const repository = await openRepository(cwd);
  const manager = options.manager ?? (await detectManager(repository.root));
  if (manager === 'husky' || manager === 'git') {
    return { ...(await install({ cwd, manager, preCommit: options.preCommit, prePush: options.prePush })), manager };
  }
  const actions =
    manager === 'lefthook'
      ? await installLefthook(repository.root, options.preCommit, options.prePush)
      : await installPreCommitFramework(repository.root, options.preCommit, options.prePush);
  const notes = [
    manager === 'lefthook' ? messages.lefthookInstallNote() : messages.preCommitInstallNote(options.prePush),
  ];
  const prepare = await addPrepareScript(repository.root, manager, options.preCommit, options.prePush);
  return { actions, notes, prepare, manager };
}
