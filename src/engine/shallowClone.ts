import { NixtagError } from '../errors.js';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { messages } from '../messages.js';

/**
 * Nix failing on git (2.8: `program 'git' failed`; 2.26: `getting parent of Git commit …`) in a
 * shallow clone is the clone's short history, not the expression: `builtins.fetchGit ./.`'s
 * `revCount` counts commits this clone does not have, which CI's full clone has. Said so, with the
 * way out (`git fetch --unshallow`), instead of Nix's error and a hint to fix the expression.
 */
export async function explainShallowClone(repository: Repository, error: unknown): Promise<unknown> {
  if (!(error instanceof NixtagError) || error.code !== 'NIX_EVAL_FAILED' || !/\bgit\b/i.test(error.detail ?? ''))
    return error;
  const shallow = await git(['rev-parse', '--is-shallow-repository'], inRepository(repository)).then(
    (output) => output.trim() === 'true',
    () => false,
  );
  if (!shallow) return error;
  return new NixtagError('GIT_SHALLOW', messages.shallowClone(error.message), {
    location: error.location,
    detail: error.detail,
    hint: messages.shallowCloneHint(),
    cause: error,
  });
}
