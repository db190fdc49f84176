// npm's `prepare`: builds dist/, unless it was built from these very sources. npm runs `prepare`
// twice when it installs nixtag from a git checkout (once as it installs the checkout's
// dependencies, once as it packs it), and the pre-commit framework does the same: the second
// `tsc` would compile the same sources again.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildInputsHash } from './buildInputs.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Whether dist/build.json names these sources and this configuration. */
async function builtFromTheseSources() {
  try {
    const written = JSON.parse(readFileSync(new URL('../dist/build.json', import.meta.url), 'utf8'));
    const { codeHash } = await import('../dist/version.js');
    return (
      typeof written.build === 'string' &&
      written.build === codeHash(`${root}src`) &&
      written.inputs === buildInputsHash(root)
    );
  } catch {
    return false; // no build yet, or one from before build.json said what made it
  }
}

if (await builtFromTheseSources()) {
  console.log('nixtag: dist/ is built from these sources; not building it again.');
} else {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exitCode = build.status ?? 1;
}
