import { existsSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { checkoutGit } from './checkoutRepository.js';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';

/**
 * Writes the blob `git add` would make of `content` as `file` of nixtag's checkout of the index
 * (`checkout`), into the user's object store: the tree's own attributes clean it, as they
 * converted it on checkout (`eol=crlf` back to LF, `$Id: …$` back to `$Id$`), and the user's git
 * configuration does not apply, as it did not to the checkout.
 */
export async function writeCheckoutBlob(
  repository: Repository,
  checkout: string,
  file: string,
  content: string | Uint8Array,
): Promise<string> {
  const options = checkoutGit(checkout, {
    input: content,
    env: { GIT_OBJECT_DIRECTORY: path.join(repository.commonDir, 'objects') },
  });
  return (await git(['hash-object', '-w', '--stdin', `--path=${file}`], options)).trim();
}

/**
 * The index files a staged change must reach. In `git commit <paths>` the hook's index is a
 * temporary `next-index-<pid>.lock` (HEAD plus those paths) and the real index is being written
 * as `index.lock`: a fix only in the first would be committed but lost from the real index.
 */
function indexFilesToUpdate(repository: Repository): string[] {
  const files = [repository.indexFile];
  if (/^next-index-\d+\.lock$/.test(path.basename(repository.indexFile))) {
    const real = path.join(repository.gitDir, 'index.lock');
    if (existsSync(real)) files.push(real);
  }
  return files;
}

/** Points `file` in each index at a new blob, keeping its mode. */
async function stageBlob(repository: Repository, file: string, mode: string, blob: string): Promise<void> {
  for (const indexFile of indexFilesToUpdate(repository)) {
    await git(
      ['update-index', '--cacheinfo', `${mode},${blob},${file}`],
      inRepository(repository, { env: { GIT_INDEX_FILE: indexFile } }),
    );
  }
}

/** A file of the index to point at a new blob; `previous`: the blob it pointed at (none: it was not staged). */
export interface StagedChange {
  file: string;
  mode: string;
  blob: string;
  previous: string | undefined;
}

/**
 * Points each file at its new blob, in every index the commit uses. If one fails, the files
 * already changed get their previous blob back; one that cannot is an error that names it and
 * the command that puts it back, since the index would then hold a fix the working tree does not.
 */
export async function stageAll(repository: Repository, changes: readonly StagedChange[]): Promise<void> {
  const done: StagedChange[] = [];
  try {
    for (const change of changes) {
      await stageBlob(repository, change.file, change.mode, change.blob);
      done.push(change);
    }
  } catch (error) {
    const unrestored: Array<StagedChange & { previous: string }> = [];
    for (const { previous, ...change } of done) {
      if (previous === undefined) continue;
      try {
        await stageBlob(repository, change.file, change.mode, previous);
      } catch {
        unrestored.push({ ...change, previous });
      }
    }
    if (unrestored.length === 0) throw error;
    throw new NixtagError('WRITE_FAILED', messages.indexNotRolledBack(unrestored.map((change) => change.file)), {
      hint: messages.indexNotRolledBackHint(unrestored),
      cause: error,
    });
  }
}
