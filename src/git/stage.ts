import { existsSync } from 'node:fs';
import path from 'node:path';
import { git } from './git.js';
import { inRepository, type Repository } from './repository.js';

/** Writes content into the object store as a blob, byte for byte (no clean filters). */
export async function writeBlob(repository: Repository, content: string): Promise<string> {
  return (
    await git(['hash-object', '-w', '--stdin', '--no-filters'], inRepository(repository, { input: content }))
  ).trim();
}

/**
 * The index files a staged change must reach. In `git commit <paths>` the hook's index is a
 * temporary `next-index-<pid>.lock` (HEAD plus those paths) and the real index is being written
 * as `index.lock`: a fix only in the first would be committed but lost from the real index.
 */
export function indexFilesToUpdate(repository: Repository): string[] {
  const files = [repository.indexFile];
  if (/^next-index-\d+\.lock$/.test(path.basename(repository.indexFile))) {
    const real = path.join(repository.gitDir, 'index.lock');
    if (existsSync(real)) files.push(real);
  }
  return files;
}

/** Points `file` in each index at a new blob, keeping its mode. */
export async function stageBlob(repository: Repository, file: string, mode: string, blob: string): Promise<void> {
  for (const indexFile of indexFilesToUpdate(repository)) {
    await git(
      ['update-index', '--cacheinfo', `${mode},${blob},${file}`],
      inRepository(repository, { env: { GIT_INDEX_FILE: indexFile } }),
    );
  }
}
