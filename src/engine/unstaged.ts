import path from 'node:path';
import { decodeManifest } from '../manifest/decode.js';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
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

/**
 * The tracked files whose working-tree content is not staged: `git diff-files` against the index
 * being judged, a stat of every tracked file.
 */
export async function listUnstaged(repository: Repository): Promise<string[]> {
  const listed = await git(
    ['diff-files', '--name-only', '-z'],
    inRepository(repository, { env: { GIT_INDEX_FILE: repository.indexFile } }),
  );
  return listed.split('\0').filter((file) => file !== '');
}

/**
 * For a stale index that the working tree has not fixed: the tracked files whose working-tree
 * content is not staged, manifests aside. `fix --staged` tags the staged files, so where the user
 * changed an input and staged only the manifest it would write the old tag back: the report says
 * which files are not staged. `listed` is `listUnstaged`'s answer, asked here only when needed.
 */
export async function markUnstagedChanges(result: CheckResult, listed: () => Promise<string[]>): Promise<CheckResult> {
  if (!result.references.some((reference) => reference.status === 'stale' && !reference.fixedInWorktree)) return result;
  const manifests = new Set(result.references.map((reference) => reference.file));
  const unstaged = (await listed()).filter((file) => !manifests.has(file));
  return unstaged.length === 0 ? result : { ...result, unstaged };
}
