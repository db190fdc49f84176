import type * as Crypto from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of nixtag's code: dist/ as installed, src/ where the tests run the sources. */
const CODE = path.dirname(fileURLToPath(import.meta.url));

/** Written by scripts/build-id.mjs after each build: the hash of the code dist/ was built from. */
const BUILD_FILE = 'build.json';

let build: string | undefined;

/**
 * A hash of the code in `directory` (every file under it but build.json, by path and content)
 * and of the package manifest beside it (the version, the dependencies' ranges).
 *
 * @public scripts/build-id.mjs calls it from dist/ (knip does not follow that import).
 */
export function codeHash(directory: string): string {
  // Loaded only here: every hook reads build.json, and node:crypto costs about 5 ms to load.
  const { createHash } = createRequire(import.meta.url)('node:crypto') as typeof Crypto;
  const hash = createHash('sha256');
  const walk = (relative: string) => {
    const entries = readdirSync(path.join(directory, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && child !== BUILD_FILE) {
        hash
          .update(`${child}\0`)
          .update(readFileSync(path.join(directory, child)))
          .update('\0');
      }
    }
  };
  walk('');
  hash.update('package.json\0').update(readFileSync(path.join(directory, '../package.json')));
  return hash.digest('hex').slice(0, 32);
}

/**
 * Which build of nixtag runs: what its caches are keyed by, so that another build never answers
 * from this one's records (every install from git or a tarball is version 0.1.0). The build
 * writes it (dist/build.json, the hash of src/ it was compiled from); the sources, as the tests
 * run them, hash themselves the same way, so a fresh build and its sources agree. Without the
 * file (compiled by hand), the code that runs is hashed, once per process.
 */
export function nixtagBuild(): string {
  if (build !== undefined) return build;
  // dist/build.json, from tsc's dist/version.js or from the CLI's bundle in dist/cli/.
  for (const directory of [CODE, path.dirname(CODE)]) {
    try {
      const written = JSON.parse(readFileSync(path.join(directory, BUILD_FILE), 'utf8')) as { build?: unknown };
      if (typeof written.build === 'string' && written.build !== '') build = written.build;
      break;
    } catch {
      // Not here; without the file (not built by `npm run build`) the code is hashed instead.
    }
  }
  build ??= codeHash(CODE);
  return build;
}
