// After `tsc`: the CLI as a few files instead of about 200 modules. Node's ES module loader pays for
// each module it resolves and links (about 0.1 s of CPU per run for nixtag's own modules, measured
// in docs/performance.md), and every hook pays it; one bundle of nixtag's own code, split where the
// CLI loads a module lazily, keeps the idle hook's path small. The dependencies stay in
// node_modules, imported as they are (their licences and versions as npm installed them). The
// library (dist/index.js) and the type declarations are tsc's output, unchanged.
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

// A path, not a URL's pathname: a checkout under a directory with a space stays one.
const CLI = fileURLToPath(new URL('../dist/cli/', import.meta.url));

const bundle = await rolldown({
  input: `${CLI}bin.js`,
  platform: 'node',
  // Bare specifiers (packages, node: built-ins) are not bundled.
  external: /^[^./]/,
  logLevel: 'warn',
});
// Beside tsc's modules in dist/cli/, so that paths relative to the code (../../package.json,
// ../../hooks/) hold in both.
await bundle.write({ dir: CLI, format: 'esm', entryFileNames: 'bin.js', chunkFileNames: 'bundle-[name]-[hash].js' });
await bundle.close();
