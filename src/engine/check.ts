import type { RegistryRequest } from '../registry/verify.js';
import type { CheckResult } from '../types.js';
import { inspectSession, rememberJudgement, resultOf } from './inspect.js';
import { withSession, type Known, type RunRequest, type Session } from './session.js';

/** `check`'s options: a run, and with `registry` also asking each reference's registry. */
export interface CheckRequest extends RunRequest {
  registry?: RegistryRequest | undefined;
}

/** `nixtag check`: is every managed reference equal to what the pipeline will build? */
export async function check(request: CheckRequest): Promise<CheckResult> {
  if (request.registry === undefined) return checkKnown(request, {});
  const registry = request.registry;
  // The registry is asked after the session (and its repository lock) is let go.
  const { result, insecure, configured } = await withSession(request, {}, async (session) => ({
    result: await judge(session),
    insecure: session.config.registry.insecure,
    configured: session.images.map((image) => image.name),
  }));
  const { verifyInRegistry } = await import('../registry/verify.js');
  return verifyInRegistry(result, registry, { insecure, configured });
}

/** `check`, going on from what an earlier step of the run (a hook) found already. */
export async function checkKnown(request: RunRequest, known: Known): Promise<CheckResult> {
  return withSession(request, known, judge);
}

async function judge(session: Session): Promise<CheckResult> {
  const inspection = await inspectSession(session);
  const result = resultOf(inspection, session);
  rememberJudgement(session, inspection, result);
  return result;
}
