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
 * For a stale index that the working tree has not fixed: the tracked files whose working-tree
 * content is not staged, manifests aside. `fix --staged` tags the staged files, so where the user
 * changed an input and staged only the manifest it would write the old tag back: the report says
 * which files are not staged.
 */
export async function markUnstagedChanges(result: CheckResult, repository: Repository): Promise<CheckResult> {
  if (!result.references.some((reference) => reference.status === 'stale' && !reference.fixedInWorktree)) return result;
  const listed = await git(
    ['diff-files', '--name-only', '-z'],
    inRepository(repository, { env: { GIT_INDEX_FILE: repository.indexFile } }),
  );
  const manifests = new Set(result.references.map((reference) => reference.file));
  const unstaged = listed.split('\0').filter((file) => file !== '' && !manifests.has(file));
  return unstaged.length === 0 ? result : { ...result, unstaged };
}
