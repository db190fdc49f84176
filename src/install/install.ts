import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { git } from '../git/git.js';
import { inRepository, openRepository } from '../git/repository.js';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { readOptional } from '../readOptional.js';
import { refuseSharedHooks, refuseTrackedHooks } from './hooksPath.js';
import { addPrepareScript, type PrepareAction, type PreCommitMode } from './prepare.js';

type HookName = 'pre-commit' | 'pre-merge-commit' | 'pre-push';
export type { PreCommitMode } from './prepare.js';

export interface InstallOptions {
  cwd: string;
  /** Where to install; by default husky when the repository uses it, else plain git hooks. */
  manager?: 'husky' | 'git' | undefined;
  preCommit?: PreCommitMode | undefined;
  prePush?: boolean | undefined;
  /** Only the pre-push hook (beside the pre-commit framework, which wires the commit hooks). */
  prePushOnly?: boolean | undefined;
  /** package.json's `prepare` is the caller's to write (install/managers.ts). */
  leavePrepare?: boolean | undefined;
  /** Plain git hooks may go into a core.hooksPath other repositories share (hooksPath.ts). */
  sharedHooks?: boolean | undefined;
}

export interface InstallAction {
  hook: HookName;
  file: string;
  /** installed, updated (mode changed), unchanged (already there), chained (kept a hook that was there). */
  action: 'installed' | 'updated' | 'unchanged' | 'chained';
}

const MARKER = '# nixtag:managed';

/**
 * The hooks a commit goes through: `git commit` runs pre-commit, and a merge that `git merge`
 * records itself runs pre-merge-commit instead. Both judge the index the commit will record.
 */
export const COMMIT_HOOKS = ['pre-commit', 'pre-merge-commit'] as const;

/** The line husky's commit hook files get: husky puts node_modules/.bin on PATH. */
function huskyLine(hook: HookName, mode: PreCommitMode): string {
  return `nixtag hook ${hook} --${mode}`;
}

/**
 * husky's pre-push gets a block, first in the file: git's lines (the pushed refs) go to nixtag,
 * then to the lines after it. A reader before nixtag (`git lfs pre-push "$@"`, which git-lfs has
 * husky users write there) would take them all and leave nixtag none.
 */
const HUSKY_PRE_PUSH = [
  "# nixtag:pre-push: git's lines naming the pushed refs go to nixtag first, then to the lines below",
  'nixtag_push=$(cat)',
  'printf \'%s\\n\' "$nixtag_push" | nixtag hook pre-push "$@" || exit $?',
  '[ -z "$nixtag_push" ] || exec <<NIXTAG_PUSH',
  '$nixtag_push',
  'NIXTAG_PUSH',
];

/** Where the block goes: after a shebang, blank lines and husky 8's `. "…/_/husky.sh"` (HUSKY=0 exits there). */
function prePushBlockAt(lines: readonly string[]): number {
  let at = 0;
  while (
    at < lines.length &&
    (lines[at]!.startsWith('#!') || lines[at]!.trim() === '' || lines[at]!.includes('husky.sh'))
  )
    at++;
  return at;
}

async function installHuskyPrePush(directory: string): Promise<InstallAction> {
  const hook = 'pre-push';
  const file = path.join(directory, hook);
  const existing = await readOptional(file);
  if (existing === undefined) {
    await mkdir(directory, { recursive: true });
    await writeFile(file, `${HUSKY_PRE_PUSH.join('\n')}\n`, { mode: 0o755 });
    return { hook, file, action: 'installed' };
  }
  let lines = existing.split('\n');
  // An earlier install's block, or its line of before (which read what an earlier line left of stdin).
  const start = lines.findIndex((line) => line.startsWith('# nixtag:pre-push'));
  const end = start === -1 ? -1 : lines.indexOf('NIXTAG_PUSH', start);
  if (start !== -1 && end !== -1) lines = [...lines.slice(0, start), ...lines.slice(end + 1)];
  const old = lines.filter((line) => line.trim().startsWith('nixtag hook pre-push'));
  lines = lines.filter((line) => !old.includes(line));
  const at = prePushBlockAt(lines);
  let next = [...lines.slice(0, at), ...HUSKY_PRE_PUSH, ...lines.slice(at)].join('\n');
  if (!next.endsWith('\n')) next += '\n';
  if (next === existing) return { hook, file, action: 'unchanged' };
  await writeFile(file, next);
  return { hook, file, action: start !== -1 || old.length > 0 ? 'updated' : 'chained' };
}

/**
 * A plain git hook is the packaged script itself (hooks/<hook>, the one copy), with the
 * pre-commit mode chosen at install as its default and the installing Node recorded. It runs a hook that was there before (kept
 * beside it as <hook>.nixtag-chained) first, with the same arguments and stdin.
 */
async function gitHook(hook: HookName, mode: PreCommitMode): Promise<string> {
  const script = await readFile(new URL(`../../hooks/${hook}`, import.meta.url), 'utf8');
  // The Node installing is recorded as the hook's last resort (a GUI's PATH may have none).
  const node = `'${process.execPath.replaceAll("'", `'"'"'`)}'`;
  return script
    .replaceAll('${NIXTAG_PRE_COMMIT:-check}', `\${NIXTAG_PRE_COMMIT:-${mode}}`)
    .replace("NIXTAG_NODE=${NIXTAG_NODE:-''}", `NIXTAG_NODE=\${NIXTAG_NODE:-${node}}`);
}

async function installHusky(directory: string, hook: HookName, mode: PreCommitMode): Promise<InstallAction> {
  if (hook === 'pre-push') return installHuskyPrePush(directory);
  const file = path.join(directory, hook);
  const existing = await readOptional(file);
  const line = huskyLine(hook, mode);
  if (existing === undefined) {
    await mkdir(directory, { recursive: true });
    await writeFile(file, `${line}\n`, { mode: 0o755 });
    return { hook, file, action: 'installed' };
  }
  // husky's hook files are plain sh run line by line: nixtag's is one more line among the others.
  const lines = existing.split('\n');
  const index = lines.findIndex((candidate) => candidate.trim().startsWith(`nixtag hook ${hook}`));
  if (index !== -1) {
    if (lines[index]!.trim() === line) return { hook, file, action: 'unchanged' };
    lines[index] = line;
    await writeFile(file, lines.join('\n'));
    return { hook, file, action: 'updated' };
  }
  await writeFile(file, `${existing}${existing === '' || existing.endsWith('\n') ? '' : '\n'}${line}\n`);
  return { hook, file, action: 'chained' };
}

async function installGit(directory: string, hook: HookName, mode: PreCommitMode): Promise<InstallAction> {
  const file = path.join(directory, hook);
  const existing = await readOptional(file);
  const script = await gitHook(hook, mode);
  await mkdir(directory, { recursive: true });
  let action: InstallAction['action'] = 'installed';
  // `pre-commit install` keeps a hook it finds as <hook>.legacy and runs it first, stdin and all:
  // nixtag's there is installed.
  const legacy = await readOptional(`${file}.legacy`);
  if (existing !== undefined && !existing.includes(MARKER) && legacy?.includes(MARKER)) {
    if (legacy === script) return { hook, file: `${file}.legacy`, action: 'unchanged' };
    await writeFile(`${file}.legacy`, script);
    return { hook, file: `${file}.legacy`, action: 'updated' };
  }
  if (existing !== undefined && existing.includes(MARKER)) {
    if (existing === script) return { hook, file, action: 'unchanged' };
    action = 'updated';
  } else if (existing !== undefined) {
    // Someone else's hook: kept, and run first by ours.
    await rename(file, `${file}.nixtag-chained`);
    await chmod(`${file}.nixtag-chained`, 0o755);
    action = 'chained';
  }
  await writeFile(file, script, { mode: 0o755 });
  await chmod(file, 0o755);
  return { hook, file, action };
}

/**
 * `nixtag install`: wires the hooks into husky (a line in `.husky/<hook>`) or plain git (the
 * folder `git rev-parse --git-path hooks` names, which honours core.hooksPath, when it is the
 * repository's own: hooksPath.ts): pre-commit and
 * pre-merge-commit, and pre-push when asked. Idempotent; hooks already there are kept and run first.
 */
export interface InstallResult {
  actions: InstallAction[];
  notes: string[];
  /** What `npm install` in a fresh clone runs to install the hooks (package.json's `prepare`); none without a package.json. */
  prepare?: PrepareAction | undefined;
}

export async function install(options: InstallOptions): Promise<InstallResult> {
  const repository = await openRepository(options.cwd);
  // `git config --get` fails when the key is unset.
  const hooksPath = (await git(['config', '--get', 'core.hooksPath'], inRepository(repository)).catch(() => '')).trim();
  const huskyDirectory = path.join(repository.root, '.husky');
  const manager =
    options.manager ??
    (hooksPath.replace(/\/$/, '').endsWith('.husky/_') || existsSync(huskyDirectory) ? 'husky' : 'git');
  if (manager === 'git' && hooksPath.replace(/\/$/, '').endsWith('.husky/_')) {
    throw new NixtagError('USAGE', messages.installHuskyGenerated(hooksPath), {
      hint: messages.installHuskyGeneratedHint(),
    });
  }
  const directory =
    manager === 'husky'
      ? huskyDirectory
      : path.resolve(
          repository.root,
          (await git(['rev-parse', '--git-path', 'hooks'], inRepository(repository))).trim(),
        );
  if (manager === 'git') {
    await refuseSharedHooks(repository, directory, options.sharedHooks ?? false);
    await refuseTrackedHooks(repository, directory, options.sharedHooks ?? false);
  }
  const mode = options.preCommit ?? 'check';
  const hooks: HookName[] = options.prePushOnly
    ? ['pre-push']
    : [...COMMIT_HOOKS, ...(options.prePush ? (['pre-push'] as const) : [])];
  const actions: InstallAction[] = [];
  for (const hook of hooks) {
    actions.push(await (manager === 'husky' ? installHusky(directory, hook, mode) : installGit(directory, hook, mode)));
  }
  const notes = manager === 'husky' && !hooksPath ? [messages.huskyNotInitialised()] : [];
  // Only pre-push is beside the pre-commit framework, whose install command `prepare` runs first.
  if (options.leavePrepare) return { actions, notes };
  const prepare = options.prePushOnly
    ? await addPrepareScript(repository.root, 'pre-commit', mode, true)
    : await addPrepareScript(repository.root, manager, mode, options.prePush ?? false);
  return { actions, notes, prepare };
}
