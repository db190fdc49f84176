import path from 'node:path';
import { awaitedLater } from '../promises.js';
import type { RegistryRequest } from '../registry/verify.js';
import type { CheckResult } from '../types.js';
import { inspectSession, rememberJudgement, resultOf } from './inspect.js';
import { withSession, type Known, type RunRequest, type Session } from './session.js';

/** `check`'s options: a run, and with `registry` also asking each reference's registry. */
export interface CheckRequest extends RunRequest {
  registry?: RegistryRequest | undefined;
  /** Also write what was found to this file (absolute), for `checkFindings` in another step. */
  findings?: string | undefined;
}

/** `nixtag check`: is every managed reference equal to what the pipeline will build? */
export async function check(request: CheckRequest): Promise<CheckResult> {
  if (request.registry === undefined && request.findings === undefined) return checkKnown(request, {});
  // The registry is asked after the session (and its repository lock) is let go.
  const { result, insecure, configured } = await withSession(request, {}, async (session) => {
    const judged = await judge(session);
    const configured = session.images.map((image) => image.name);
    if (request.findings !== undefined) {
      const { writeFindings } = await import('../registry/findings.js');
      writeFindings(request.findings, { result: judged, images: configured });
    }
    return { result: judged, insecure: session.config.registry.insecure, configured };
  });
  if (request.registry === undefined) return result;
  const { verifyInRegistry } = await import('../registry/verify.js');
  return verifyInRegistry(result, request.registry, { insecure, configured });
}

/** `check --registry --from FILE`: what an evaluating step found, asked of the registries. */
export interface FindingsCheckRequest {
  /** The findings file (absolute), written by `check` with `findings`. */
  from: string;
  registry: RegistryRequest;
  /** Registries that may be asked over plain HTTP besides loopback: the command line's alone. */
  insecure: readonly string[];
}

/**
 * The registry check of findings another step wrote: no repository is opened and no
 * configuration loaded, so a step holding credentials runs nothing of the repository's.
 */
export async function checkFindings(request: FindingsCheckRequest): Promise<CheckResult> {
  const [{ readFindings }, { verifyInRegistry }] = await Promise.all([
    import('../registry/findings.js'),
    import('../registry/verify.js'),
  ]);
  const { result, images } = await readFindings(request.from);
  return verifyInRegistry(result, request.registry, { insecure: request.insecure, configured: images });
}

/** `check`, going on from what an earlier step of the run (a hook) found already. */
export async function checkKnown(request: RunRequest, known: Known): Promise<CheckResult> {
  return withSession(request, known, judge);
}

/**
 * For the index: the working tree's unstaged files (unstaged.ts), listed beside Nix once it runs,
 * for a verdict that may then be stale. The listing stats every tracked file (0.2 s of CPU at
 * 100,000 files): a core Nix leaves idle pays it instead of the wait after the verdict.
 */
function unstagedBesideNix(session: Session): () => Promise<string[]> {
  let listed: Promise<string[]> | undefined;
  const list = () => (listed ??= import('./unstaged.js').then(({ listUnstaged }) => listUnstaged(session.repository)));
  const progress = session.onEvaluate;
  session.onEvaluate = (images) => {
    awaitedLater(list());
    return progress?.(images) ?? (() => undefined);
  };
  return list;
}

async function judge(session: Session): Promise<CheckResult> {
  const unstaged = session.tree.source.kind === 'index' ? unstagedBesideNix(session) : undefined;
  const inspection = await inspectSession(session);
  const result = resultOf(inspection, session);
  rememberJudgement(session, inspection, result);
  if (result.ok || unstaged === undefined) return result;
  // Stale in the index: say so when the working tree already has the fix (stage it, not fix it).
  const { markFixedInWorktree, markUnstagedChanges } = await import('./unstaged.js');
  const marked = await markUnstagedChanges(await markFixedInWorktree(result, session.repository.root), unstaged);
  // `git commit <paths>` judges a temporary index of its own, `next-index-<pid>.lock`.
  return /^next-index-.*\.lock$/.test(path.basename(session.repository.indexFile))
    ? { ...marked, partialCommit: true }
    : marked;
}
