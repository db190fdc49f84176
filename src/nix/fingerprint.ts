import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { nixSearchPath } from './environment.js';

/**
 * Identifies the Nix that evaluates, without running it (`nix-instantiate --version` costs a
 * process): the resolved binary's path, size and modification time. Undefined when Nix is not on
 * PATH, in which case nothing is cached.
 */
export function nixFingerprint(searchPath = nixSearchPath()): string | undefined {
  for (const directory of searchPath.split(path.delimiter)) {
    if (!directory) continue;
    try {
      const binary = realpathSync(path.join(directory, 'nix-instantiate'));
      const stat = statSync(binary);
      if (stat.isFile()) return `${binary}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
