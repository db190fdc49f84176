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
