import { nixFingerprint } from '../nix/fingerprint.js';
import { nixProcess } from '../nix/environment.js';
import { nixtagBuild } from '../version.js';

/**
 * What lies outside a judged tree and can change a tag or a verdict: nixtag itself (its build,
 * not its version string), the Nix binary, the environment an unconfined evaluation can read
 * (fixed, but for what a machine cannot give: nix/environment.ts), and a configuration given with
 * --config (one in the tree is part of the tree). The evaluation cache and the verdicts are both
 * keyed by it; undefined without Nix on PATH, and nothing is remembered then.
 */
export function runEnvironment(explicitConfigText: string | undefined): string | undefined {
  const fingerprint = nixFingerprint();
  return fingerprint === undefined
    ? undefined
    : JSON.stringify([nixtagBuild(), fingerprint, nixProcess('fixed'), explicitConfigText ?? '']);
}
