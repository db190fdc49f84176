import { NixtagError } from '../errors.js';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { messages } from '../messages.js';

/** What git says when git-lfs could not give a pointer's content to the checkout. */
const SMUDGE_FAILED = /smudge filter lfs failed/;

/**
 * Runs a checkout command that smudges LFS files. A clone made with `GIT_LFS_SKIP_SMUDGE=1` (or
 * `git lfs install --skip-smudge`) keeps pointers and has no content under `.git/lfs`, and the
 * checkout, which has no remote and none of the user's credentials, cannot download it. So when
 * the smudge fails, git-lfs fetches in the user's own clone (its remote, its credentials), as
 * CI's clone with git-lfs would hold the content, and the command runs once more.
 */
export async function withLfsContent(repository: Repository, checkout: () => Promise<unknown>): Promise<void> {
  try {
    await checkout();
    return;
  } catch (error) {
    if (!(error instanceof NixtagError) || !SMUDGE_FAILED.test(error.detail ?? '')) throw error;
  }
  try {
    await git(['lfs', 'fetch'], inRepository(repository));
    await checkout();
  } catch (error) {
    throw new NixtagError('LFS_CONTENT_MISSING', messages.lfsContentMissing(), {
      hint: messages.lfsContentMissingHint(),
      ...(error instanceof NixtagError && error.detail !== undefined ? { detail: error.detail } : {}),
      cause: error,
    });
  }
}
