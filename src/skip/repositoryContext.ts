import { askGit, askGitSearch } from '../git/process.js';
import { inRepository, type Repository } from '../git/repository.js';
import type { SkipContext } from './decide.js';

/**
 * The skip decision's context in a repository already opened (a hook that is not idle, a full
 * run): git on its own work tree and the index git uses now; PATH arguments relative to `cwd`
 * (the root unless given).
 */
export function repositoryContext(
  repository: Repository,
  context: Pick<SkipContext, 'judgement'> & Partial<Pick<SkipContext, 'cwd' | 'treeId'>>,
): SkipContext {
  const options = inRepository(repository, { env: { GIT_INDEX_FILE: repository.indexFile } });
  return {
    root: repository.root,
    cwd: repository.root,
    git: (args) => askGit(args, options),
    search: (args) => askGitSearch(args, options),
    ...context,
  };
}
