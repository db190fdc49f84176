import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readOptional } from '../readOptional.js';

/** What the pre-commit hook does with a stale tag: refuse the commit, or rewrite it. */
export type PreCommitMode = 'check' | 'fix';

/** The hook managers nixtag wires into (install/managers.ts detects which one a repository uses). */
export type HookManager = 'husky' | 'lefthook' | 'pre-commit' | 'git';

/** What `npm install` in a fresh clone now runs, and what was done to package.json for it. */
export interface PrepareAction {
  file: string;
  command: string;
  action: 'installed' | 'updated' | 'unchanged';
}

/**
 * The commands that make git run the hooks in a clone, for each manager: hooks live in the
 * repository's files, but git only runs what the clone's own `.git` (or `core.hooksPath`) names,
 * and a clone starts with `*.sample` hooks alone. Beside the pre-commit framework, nixtag's
 * pre-push is its own plain hook (install/managers.ts).
 */
function prepareCommands(manager: HookManager, mode: PreCommitMode, prePush: boolean): string[] {
  switch (manager) {
    case 'git':
      return [`nixtag install --git${mode === 'fix' ? ' --pre-commit fix' : ''}${prePush ? ' --pre-push' : ''}`];
    case 'husky':
      return ['husky'];
    case 'lefthook':
      return ['lefthook install'];
    case 'pre-commit':
      return [
        'pre-commit install --hook-type pre-commit --hook-type pre-merge-commit',
        ...(prePush ? ['nixtag install --git --pre-push-only'] : []),
      ];
  }
}

/** The start that tells one manager's command from others in a `prepare` chain. */
const COMMAND_STARTS = [/^nixtag install\b/, /^husky(\s|$)/, /^lefthook install\b/, /^pre-commit install\b/];

/**
 * Makes `npm install` in any clone install the hooks: the manager's command in package.json's
 * `prepare` script, which npm runs after every plain `npm install` and `npm ci` in the project.
 * Another `prepare` is kept, with ours after it (`a && b`); one of ours with other options is
 * replaced. Without a package.json there is no `npm install` to hook into: undefined.
 */
export async function addPrepareScript(
  root: string,
  manager: HookManager,
  mode: PreCommitMode,
  prePush: boolean,
): Promise<PrepareAction | undefined> {
  const file = path.join(root, 'package.json');
  const text = await readOptional(file);
  if (text === undefined) return undefined;
  const json = JSON.parse(text) as { scripts?: Record<string, string> };
  const commands = prepareCommands(manager, mode, prePush);
  const existing = json.scripts?.prepare;
  const steps = (existing ?? '')
    .split('&&')
    .map((step) => step.trim())
    .filter(Boolean);
  const before = steps.join(' && ');
  let added = false;
  for (const command of commands) {
    const start = COMMAND_STARTS.find((pattern) => pattern.test(command))!;
    const index = steps.findIndex((step) => start.test(step));
    if (index === -1) {
      steps.push(command);
      added = true;
    } else steps[index] = command;
  }
  const command = commands.join(' && ');
  if (existing !== undefined && steps.join(' && ') === before) return { file, command, action: 'unchanged' };
  json.scripts = { ...json.scripts, prepare: steps.join(' && ') };
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
  await writeFile(file, `${JSON.stringify(json, null, indent)}${text.endsWith('\n') ? '\n' : ''}`);
  return { file, command, action: added && existing === undefined ? 'installed' : 'updated' };
}
