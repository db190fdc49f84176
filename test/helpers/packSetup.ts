import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What `npm pack --json` says of the one tarball it made. */
export interface PackedTarball {
  /** Absolute path of the .tgz. */
  file: string;
  /** The paths in it, as npm lists them. */
  files: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    nixtagTarball: PackedTarball;
  }
}

/**
 * Global setup of the e2e project: packs nixtag once per run for every test that installs it
 * (`inject('nixtagTarball')`). The package is the dist/ that `npm test` built just before, so
 * `prepare` (a second build) is skipped.
 */
export default function setup(project: TestProject): () => void {
  if (!existsSync(path.join(ROOT, 'dist/cli/bin.js'))) {
    throw new Error(`${ROOT}/dist is not built: run \`npm run build\` before the e2e tests.`);
  }
  const out = mkdtempSync(path.join(tmpdir(), 'nixtag-pack-'));
  const json = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out, '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const [info] = JSON.parse(json) as Array<{ filename: string; files: Array<{ path: string }> }>;
  project.provide('nixtagTarball', {
    file: path.join(out, info!.filename),
    files: info!.files.map((file) => file.path),
  });
  return () => rmSync(out, { recursive: true, force: true });
}
