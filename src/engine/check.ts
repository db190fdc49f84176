import type { CheckResult } from '../types.js';
import { inspectSession, rememberJudgement, resultOf } from './inspect.js';
import { withSession, type Known, type RunRequest } from './session.js';

/** `nixtag check`: is every managed reference equal to what the pipeline will build? */
export async function check(request: RunRequest): Promise<CheckResult> {
  return checkKnown(request, {});
}

/** `check`, going on from what an earlier step of the run (a hook) found already. */
export async function checkKnown(request: RunRequest, known: Known): Promise<CheckResult> {
  return withSession(request, known, async (session) => {
    const inspection = await inspectSession(session);
    const result = resultOf(inspection, session);
    rememberJudgement(session, inspection, result);
    return result;
  });
}
