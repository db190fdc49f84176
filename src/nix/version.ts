import { versionArgs } from './commandLine.js';
import { nixInstantiate } from './nixInstantiate.js';

/** The version `nix-instantiate --version` prints (`nix-instantiate (Nix) 2.8.0` -> `2.8.0`). */
export function nixVersionOf(text: string): string {
  return /(\d+(?:\.\d+)+)/.exec(text)?.[1] ?? text.trim();
}

/**
 * Compares the local version with CI's as far as CI's is written (`2.26` matches `2.26.3`):
 * negative when the local Nix is older, positive when newer, 0 when they agree.
 */
export function compareVersions(local: string, ci: string): number {
  const ours = local.split('.').map(Number);
  const theirs = ci.split('.').map(Number);
  for (let index = 0; index < theirs.length; index++) {
    const difference = (ours[index] ?? 0) - theirs[index]!;
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/**
 * Whether an expression that reads `builtins.nixVersion` (or `langVersion`) gets CI's answer here:
 * only when the local Nix is the one configured as CI's (`nixVersion`); with none configured, CI's
 * is unknown.
 */
export function versionIsCis(local: string, ci: string | null | undefined): boolean {
  return ci !== null && ci !== undefined && local !== '' && compareVersions(local, ci) === 0;
}

/** The version of the `nix-instantiate` that evaluates here (`2.8.0`), or '' when it cannot say. */
export async function localNixVersion(cwd: string): Promise<string> {
  const run = await nixInstantiate(versionArgs(), cwd).catch(() => undefined);
  return run === undefined ? '' : nixVersionOf(run.stdout);
}
