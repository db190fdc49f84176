import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { nixSearchPath } from './environment.js';

/** The first `program` on the search path: its resolved path, size and modification time. */
function binaryFingerprint(program: string, searchPath: string): string | undefined {
  for (const directory of searchPath.split(path.delimiter)) {
    if (!directory) continue;
    try {
      const binary = realpathSync(path.join(directory, program));
      const stat = statSync(binary);
      if (stat.isFile()) return `${binary}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Identifies the Nix that evaluates, without running it (`nix-instantiate --version` costs a
 * process): nix-instantiate for expression files and `nix` for flakes, each by its resolved
 * binary. Undefined when nix-instantiate is not on PATH, in which case nothing is cached.
 */
export function nixFingerprint(searchPath = nixSearchPath()): string | undefined {
  const instantiate = binaryFingerprint('nix-instantiate', searchPath);
  if (instantiate === undefined) return undefined;
  const nix = binaryFingerprint('nix', searchPath);
  return nix === undefined ? instantiate : `${instantiate}|${nix}`;
}
