import { openRepository } from '../git/repository.js';
import { judgedTree, type TreeSource } from '../git/source.js';
import { runEnvironment } from '../state/environment.js';
import { isKnownGood, recordGood, verdictKey } from '../state/verdicts.js';
import type { CheckResult } from '../types.js';
import { isDeletion, parsePrePushInput } from './prePushInput.js';
import type { Known } from './session.js';

export interface HookOptions {
  cwd: string;
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * What the CLI's idle check found (engine/idle.ts): the index's tree id, just written and found
 * not yet judged up to date. The hook goes on from it without asking git or the verdicts again.
 */
export interface IdleMiss {
  indexTree?: string | undefined;
}

export interface HookResult {
  /** The hook was skipped (NIXTAG_SKIP=1). */
  skipped?: boolean;
  /** What was judged: one result for pre-commit, one per pushed ref for pre-push. */
  judged: Array<{ ref: string | undefined; result: CheckResult }>;
}

/** What one hook run finds once and judges every tree with: the repository, --config's text. */
async function hookContext(options: HookOptions): Promise<Known> {
  const repository = await openRepository(options.cwd);
  if (options.configFile === undefined) return { repository };
  const { readExplicitConfig } = await import('../config/load.js');
  return { repository, explicitConfig: await readExplicitConfig(options.cwd, options.configFile) };
}

/**
 * Judges one tree: answered from the verdicts of trees already found up to date when possible
 * (no configuration, YAML or Nix is loaded then), otherwise by a full check, or by fix.
 */
async function judge(
  options: HookOptions,
  context: Known,
  source: TreeSource,
  mode: 'check' | 'fix',
  idleTree?: string,
): Promise<CheckResult> {
  const repository = context.repository!;
  const tree = judgedTree(repository, source, idleTree);
  const environment = runEnvironment(context.explicitConfig?.text);
  const key = environment === undefined ? undefined : verdictKey(await tree.id(), environment);
  // The idle check has just looked this tree up: no second read of the verdicts.
  if (idleTree === undefined && key !== undefined && isKnownGood(repository.gitDir, key)) {
    return { ok: true, references: [], warnings: [], evaluated: false };
  }
  const request = { cwd: options.cwd, configFile: options.configFile, source };
  const known = { ...context, tree };
  const result =
    mode === 'fix'
      ? await (await import('./fix.js')).fixKnown(request, known)
      : await (await import('./check.js')).checkKnown(request, known);
  const wrote = result.references.some((reference) => reference.status === 'fixed');
  if (result.ok && !wrote && key !== undefined) recordGood(repository.gitDir, key);
  return result;
}

function skipped(options: HookOptions): boolean {
  return (options.env ?? process.env).NIXTAG_SKIP === '1';
}

/** `nixtag hook pre-commit`: judge the index git is about to commit. */
export async function preCommit(
  options: HookOptions & { mode: 'check' | 'fix' },
  idle: IdleMiss = {},
): Promise<HookResult> {
  if (skipped(options)) return { skipped: true, judged: [] };
  const context = await hookContext(options);
  const idleTree = options.configFile === undefined ? idle.indexTree : undefined;
  const result = await judge(options, context, { kind: 'index' }, options.mode, idleTree);
  return { judged: [{ ref: undefined, result }] };
}

/**
 * `nixtag hook pre-push`: judge the tip of every pushed ref (branches and tags), as git's stdin
 * lists them; deletions push nothing and an up-to-date push lists nothing. Under the pre-commit
 * framework, which reads that stdin itself, PRE_COMMIT_TO_REF names the tip.
 */
export async function prePush(options: HookOptions & { stdin: string }): Promise<HookResult> {
  if (skipped(options)) return { skipped: true, judged: [] };
  const env = options.env ?? process.env;
  const updates = env.PRE_COMMIT_TO_REF
    ? [
        {
          localRef: env.PRE_COMMIT_LOCAL_BRANCH ?? env.PRE_COMMIT_TO_REF,
          localOid: env.PRE_COMMIT_TO_REF,
          remoteRef: env.PRE_COMMIT_REMOTE_BRANCH ?? '',
          remoteOid: env.PRE_COMMIT_FROM_REF ?? '',
        },
      ]
    : parsePrePushInput(options.stdin).filter((update) => !isDeletion(update));
  if (updates.length === 0) return { judged: [] };
  const context = await hookContext(options);
  const judged: HookResult['judged'] = [];
  for (const update of updates) {
    const result = await judge(options, context, { kind: 'rev', rev: update.localOid }, 'check');
    judged.push({ ref: update.localRef, result });
  }
  return { judged };
}
