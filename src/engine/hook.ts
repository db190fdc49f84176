import { NixtagError } from '../errors.js';
import { openRepository, type Repository } from '../git/repository.js';
import { skipAnswer } from '../skip/decide.js';
import { lastJudgement } from '../skip/lastJudgement.js';
import { repositoryContext } from '../skip/repositoryContext.js';
import { judgedTree } from '../tree/judgedTree.js';
import type { TreeSource } from '../tree/source.js';
import { runEnvironment } from '../state/environment.js';
import type { CheckResult, Warning } from '../types.js';
import { unpushedSubmodules, type UnpushedSubmodule } from '../tree/unpushedSubmodules.js';
import { isDeletion, parsePrePushInput } from './prePushInput.js';
import { unlistedPush } from './unlistedPush.js';
import type { Known } from './session.js';

export interface HookOptions {
  cwd: string;
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Progress while Nix evaluates (see RunRequest.onEvaluate). */
  onEvaluate?: ((images: readonly string[]) => () => void) | undefined;
}

export interface HookResult {
  /** The hook was skipped (NIXTAG_SKIP=1). */
  skipped?: boolean;
  /**
   * pre-merge-commit fixed the merge's index: git records the merge from the tree it wrote before
   * the hook, so the merge must stop and be committed with `git commit`.
   */
  mergeFixed?: boolean;
  /** What was judged: one result for pre-commit, one per pushed ref for pre-push. */
  judged: Array<{ ref: string | undefined; result: CheckResult }>;
}

/** What one hook run finds once and judges every tree with: the repository, --config's text. */
async function hookContext(options: HookOptions): Promise<Known & { repository: Repository }> {
  const repository = await openRepository(options.cwd);
  if (options.configFile === undefined) return { repository };
  const { readExplicitConfig } = await import('../config/load.js');
  return { repository, explicitConfig: await readExplicitConfig(options.cwd, options.configFile) };
}

/**
 * Whether the last judgement answers `source` as up to date (the skip decision, skip/decide.ts):
 * then nothing is loaded.
 */
async function alreadyJudged(context: Known & { repository: Repository }, source: TreeSource): Promise<boolean> {
  const { repository } = context;
  const environment = runEnvironment(context.explicitConfig?.text);
  const judgement = () => lastJudgement(repository.gitDir, environment);
  const answer = await skipAnswer(
    { source, paths: [], acceptsGood: true },
    repositoryContext(repository, { judgement }),
  );
  return answer.kind === 'good';
}

/**
 * Judges one tree: answered from the last judgement when nothing that matters changed since
 * (unless the CLI's idle check has just asked that), otherwise by a full check, or by fix.
 */
async function judge(
  options: HookOptions,
  context: Known & { repository: Repository },
  source: TreeSource,
  mode: 'check' | 'fix',
  idleChecked = false,
  merging = false,
): Promise<CheckResult> {
  if (!idleChecked && (await alreadyJudged(context, source))) {
    return { ok: true, references: [], warnings: [], evaluated: false };
  }
  const request = { cwd: options.cwd, configFile: options.configFile, source, onEvaluate: options.onEvaluate, merging };
  const known = { ...context, tree: judgedTree(context.repository, source) };
  try {
    return mode === 'fix'
      ? await (await import('./fix.js')).fixKnown(request, known)
      : await (await import('./check.js')).checkKnown(request, known);
  } catch (error) {
    // This machine's Nix is not CI's and cannot evaluate: nothing is judged, and no commit (one
    // that touches only a README as much as any) is refused for it; CI's Nix judges (adv15 F14).
    if (!(error instanceof NixtagError) || error.code !== 'NIX_VERSION_MISMATCH') throw error;
    const { messages } = await import('../messages.js');
    const message = messages.nixVersionUnjudged(error.message, error.hint ?? '');
    return { ok: true, references: [], warnings: [{ file: null, line: null, message }], evaluated: true, unchecked: 0 };
  }
}

function skipped(options: HookOptions): boolean {
  return (options.env ?? process.env).NIXTAG_SKIP === '1';
}

/**
 * `nixtag hook pre-commit`: judge the index git is about to commit. `idleChecked`: the CLI has
 * just found that the last judgement does not answer it (skip/idle.ts). `merge`: the hook is
 * pre-merge-commit, which `git merge` runs instead when it records a merge itself.
 */
export async function preCommit(
  options: HookOptions & { mode: 'check' | 'fix'; merge?: boolean },
  idleChecked = false,
): Promise<HookResult> {
  if (skipped(options)) return { skipped: true, judged: [] };
  const context = await hookContext(options);
  const idle = idleChecked && !options.configFile;
  const result = await judge(options, context, { kind: 'index' }, options.mode, idle, options.merge === true);
  // git commits a merge's tree as it was before pre-merge-commit ran (measured, git 2.39): a fix
  // staged now would be left out of it, so the merge stops with the fix staged.
  const mergeFixed = options.merge === true && result.references.some((reference) => reference.status === 'fixed');
  return { judged: [{ ref: undefined, result }], ...(mergeFixed ? { mergeFixed } : {}) };
}

/**
 * `nixtag hook pre-push`: judge the tip of every pushed ref (branches and tags), as git's stdin
 * lists them; deletions push nothing. With no line at all (a push with nothing to send, or lines
 * another reader took first: `git lfs pre-push` before nixtag, the pre-commit framework, which
 * passes its hooks one ref at most in PRE_COMMIT_TO_REF), every local ref the remote's tracking
 * refs lack is judged (unlistedPush.ts), with a warning saying so.
 */
export async function prePush(
  options: HookOptions & { stdin: string; args?: readonly string[] | undefined },
): Promise<HookResult> {
  if (skipped(options)) return { skipped: true, judged: [] };
  const env = options.env ?? process.env;
  const listed = parsePrePushInput(options.stdin);
  const context = listed.length === 0 ? await hookContext(options) : undefined;
  const remote = options.args?.[0] ?? env.PRE_COMMIT_REMOTE_NAME ?? '';
  const updates =
    context === undefined
      ? listed.filter((update) => !isDeletion(update))
      : await unlistedPush(context.repository, remote, env.PRE_COMMIT_TO_REF ? [env.PRE_COMMIT_TO_REF] : []);
  if (updates.length === 0) return { judged: [] };
  const judging = context ?? (await hookContext(options));
  const unlisted = context === undefined ? [] : [await unlistedWarning(remote)];
  const judged: HookResult['judged'] = [];
  for (const update of updates) {
    const result = await judge(options, judging, { kind: 'rev', rev: update.localOid }, 'check');
    // Whatever the judgement, even one answered from the last: what no check of the tree can see.
    const unpushed = await unpushedSubmodules(judging.repository, update.localOid);
    // The reason once, before the first ref's verdict.
    const reason = judged.length === 0 ? unlisted : [];
    const warnings = [...reason, ...result.warnings, ...(await unpushedWarnings(unpushed))];
    judged.push({ ref: update.localRef, result: { ...result, warnings } });
  }
  return { judged };
}

/** Why refs the push may not send are judged: git's lines were not there to say which it sends. */
async function unlistedWarning(remote: string): Promise<Warning> {
  const { messages } = await import('../messages.js');
  return { file: null, line: null, message: messages.prePushUnlisted(remote) };
}

/** Submodule commits CI's clone may not be able to fetch: warnings, since the hook cannot ask the remote. */
async function unpushedWarnings(unpushed: readonly UnpushedSubmodule[]): Promise<Warning[]> {
  if (unpushed.length === 0) return [];
  const { messages } = await import('../messages.js');
  return unpushed.map((submodule) => ({
    file: '.gitmodules',
    line: null,
    message: messages.submoduleUnpushed(submodule.path, submodule.oid),
  }));
}
