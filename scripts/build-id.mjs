// After `tsc`: writes dist/build.json, the hash of the sources dist/ was built from (src/ and
// package.json), which keys nixtag's caches (src/version.ts nixtagBuild), and of tsc's
// configuration, which scripts/prepare.mjs compares too.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildInputsHash } from './buildInputs.mjs';

const { codeHash } = await import('../dist/version.js');
const build = codeHash(fileURLToPath(new URL('../src', import.meta.url)));
const inputs = buildInputsHash(fileURLToPath(new URL('..', import.meta.url)));
writeFileSync(new URL('../dist/build.json', import.meta.url), `${JSON.stringify({ build, inputs })}\n`);
