import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { InputSet } from '../../src/nix/source/inputSet.js';
import { evaluationInputs, staticInputs } from '../../src/nix/source/inputs.js';
import { tempDir } from './repo.js';

/** `files` written to a fresh directory, every one tracked; returns the directory. */
export function writeFiles(files: Record<string, string>): string {
  const root = tempDir('reach-');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.join(root, path.dirname(file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

/**
 * The inputs the tracker gives `default.nix` in `root` (holding `files`, all tracked): before any
 * evaluation (PATH narrowing), and after one that parsed every `.nix` file.
 */
export async function trackedInputs(root: string, files: readonly string[]): Promise<InputSet[]> {
  const entries = [...files].sort().map((file) => ({ mode: '100644', oid: file, path: file }));
  const nixFiles = files.filter((file) => file.endsWith('.nix'));
  const before = await staticInputs(root, ['default.nix'], [], entries);
  const after = await evaluationInputs(
    root,
    nixFiles.map((file) => path.join(root, file)),
    [{ file: 'default.nix', snippets: [] }],
    [],
    entries,
  );
  return [before, after.byImage[0]!];
}
