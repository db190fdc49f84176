import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openRepository, stateDirectory } from '../git/repository.js';
import { resolveTree, type TreeSource } from '../git/source.js';
import { isDeletion, parsePrePushInput } from './prePushInput.js';
import type { CheckResult } from '../types.js';
import { isKnownGood, recordGood, verdictEnvironment, verdictKey } from '../state/verdicts.js';

export interface HookOptions {
  cwd: string;
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** The index's tree id, when the CLI's idle check has just written it. */
  indexTree?: string | undefined;
}

export interface HookResult {
  /** The hook was skipped (NIXTAG_SKIP=1). */
  skipped?: boolean;
  /** What was judged: one result for pre-commit, one per pushed ref for pre-push. */
  judged: Array<{ ref: string | undefined; result: CheckResult }>;
}

function environmentOf(options: HookOptions): string | undefined {
  const config =
    options.configFile === undefined ? undefined : readFileSync(path.resolve(options.cwd, options.configFile), 'utf8');
  return verdictEnvironment(config);
}

/**
 * Judges one tree: answered from the verdicts of trees already found up to date when possible
 * (no configuration, YAML or Nix is loaded then), otherwise by a full check, or by fix.
 */
async function judge(options: HookOptions, source: TreeSource, mode: 'check' | 'fix'): Promise<CheckResult> {
  const { key, state, good, repository, tree } = await verdict(options, source);
  if (good) return { ok: true, references: [], warnings: [], evaluated: false };
  // The engine goes on from the repository and tree found here, not asking git for them again.
  const engine = { cwd: options.cwd, configFile: options.configFile, source, repository, tree };
  const result =
    mode === 'fix' ? await (await import('./fix.js')).fix(engine) : await (await import('./check.js')).check(engine);
  const wrote = result.references.some((reference) => reference.status === 'fixed');
  if (result.ok && !wrote && key !== undefined) recordGood(state, key);
  return result;
}

/**
 * Whether this tree was already found up to date. (The CLI answers an idle pre-commit even
 * earlier, in engine/idle.ts, before this module loads.)
 */
async function verdict(options: HookOptions, source: TreeSource) {
  const repository = await openRepository(options.cwd);
  const known = source.kind === 'index' ? options.indexTree : undefined;
  const tree = known ?? (await resolveTree(repository, source));
  const environment = environmentOf(options);
  const key = environment === undefined ? undefined : verdictKey(tree, environment);
  const state = stateDirectory(repository);
  return { key, state, good: key !== undefined && isKnownGood(state, key), repository, tree };
}

function skipped(options: HookOptions): boolean {
  return (options.env ?? process.env).NIXTAG_SKIP === '1';
}

/** `nixtag hook pre-commit`: judge the index git is about to commit. */
export async function preCommit(options: HookOptions & { mode: 'check' | 'fix' }): Promise<HookResult> {
  if (skipped(options)) return { skipped: true, judged: [] };
  return { judged: [{ ref: undefined, result: await judge(options, { kind: 'index' }, options.mode) }] };
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
  const judged: HookResult['judged'] = [];
  for (const update of updates) {
    judged.push({ ref: update.localRef, result: await judge(options, { kind: 'rev', rev: update.localOid }, 'check') });
  }
  return { judged };
}
