import path from 'node:path';
import { decodeManifest } from '../manifest/decode.js';
import type { CheckResult } from '../types.js';
import { readOptionalBytes } from '../readOptional.js';

/**
 * For a stale index: marks the stale references whose working-tree file already carries the
 * expected tag (`nixtag fix` ran, `git add` did not), so the report says to stage the file
 * instead of fixing it again.
 */
export async function markFixedInWorktree(result: CheckResult, root: string): Promise<CheckResult> {
  const stale = result.references.filter((reference) => reference.status === 'stale' && reference.expected !== null);
  if (stale.length === 0) return result;
  const texts = new Map<string, string | undefined>();
  for (const file of new Set(stale.map((reference) => reference.file))) {
    const bytes = await readOptionalBytes(path.join(root, file));
    const decoded = bytes && decodeManifest(bytes);
    texts.set(file, decoded && 'text' in decoded ? decoded.text : undefined);
  }
  return {
    ...result,
    references: result.references.map((reference) => {
      if (reference.status !== 'stale' || reference.expected === null) return reference;
      const tag = reference.expected.slice(reference.expected.lastIndexOf(':') + 1);
      return texts.get(reference.file)?.includes(tag) ? { ...reference, fixedInWorktree: true } : reference;
    }),
  };
}
