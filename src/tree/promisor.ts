import { NixtagError } from '../errors.js';
import { git, gitMaybe } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { messages } from '../messages.js';

/** The remote git fetches missing objects from: `extensions.partialClone`, else one with `promisor = true`. */
function promisorRemote(config: string): string | undefined {
  const lines = config.split('\n').map((line) => line.split(' '));
  const named = lines.find(([key]) => key === 'extensions.partialclone')?.[1];
  if (named) return named;
  const promisor = lines.find(([key, value]) => key?.startsWith('remote.') && value === 'true')?.[0];
  return promisor?.slice('remote.'.length, -'.promisor'.length);
}

/**
 * A partial clone (`git clone --filter=blob:none`, often with a sparse checkout) lacks the blobs
 * it has not needed yet. git fetches one when a command of the clone reads it, but the checkout
 * nixtag evaluates is a repository of its own that only borrows the clone's objects, where git
 * cannot. So before a tree is checked out, the blobs it lacks are fetched into the clone in one
 * batch, with the command git's own lazy fetch runs (promisor-remote.c). Nothing happens in a
 * clone that is not partial: one `git config` read.
 */
export async function fetchMissingBlobs(repository: Repository, tree: string): Promise<void> {
  const inClone = inRepository(repository);
  const remote = promisorRemote(
    (await gitMaybe(
      ['config', '--get-regexp', String.raw`^(extensions\.partialclone|remote\..*\.promisor)$`],
      inClone,
    )) ?? '',
  );
  if (remote === undefined) return;
  // --missing=print lists what is absent and fetches nothing.
  const listed = await git(['rev-list', '--objects', '--missing=print', tree], inClone);
  const missing = listed
    .split('\n')
    .filter((line) => line.startsWith('?'))
    .map((line) => line.slice(1));
  if (missing.length === 0) return;
  const fetch = ['-c', 'fetch.negotiationAlgorithm=noop', 'fetch', remote, '--no-tags', '--no-write-fetch-head'];
  const batch = [...fetch, '--recurse-submodules=no', '--filter=blob:none', '--stdin'];
  try {
    await git(batch, inRepository(repository, { input: `${missing.join('\n')}\n` }));
  } catch (error) {
    throw new NixtagError('OBJECTS_MISSING', messages.objectsMissing(missing.length, remote), {
      hint: messages.objectsMissingHint(remote),
      ...(error instanceof NixtagError && error.detail !== undefined ? { detail: error.detail } : {}),
      cause: error,
    });
  }
}
