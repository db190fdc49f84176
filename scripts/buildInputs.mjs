// What else than src/ and package.json decides what the build emits: tsc's configuration and the
// CLI's bundling. Written to dist/build.json by build-id.mjs, compared by prepare.mjs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function buildInputsHash(root) {
  const hash = createHash('sha256');
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'scripts/bundle-cli.mjs']) {
    hash
      .update(`${file}\0`)
      .update(readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}
