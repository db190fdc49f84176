import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Global setup of the projects that run the Nix-facing tests on the second Nix: they fail, loudly,
 * when its `nix-instantiate` is not Nix 2.26, instead of passing on the first Nix again. (It runs
 * in vitest's own process, without the project's PATH: the shim is named directly.)
 */
export default function setup(): void {
  const shim = path.join(process.env.NIXTAG_NIX226_BIN ?? '/srv/nix226-bin', 'nix-instantiate');
  let version: string;
  try {
    version = execFileSync(shim, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error(
      `The second Nix (2.26) is required here but ${shim} cannot be run: ${(error as Error).message}. Run scripts/ensure-nix226.sh as root.`,
      { cause: error },
    );
  }
  if (!/ 2\.26\./.test(version)) throw new Error(`The second Nix should be 2.26, but ${shim} says '${version}'.`);
}
