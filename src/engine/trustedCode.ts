import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';

/**
 * What a configuration that is code can run or load: JavaScript and TypeScript, and the JSON
 * beside them (package.json's `type`, a required .json). A configuration file's own name is
 * among these.
 */
const CODE = ['*.js', '*.cjs', '*.mjs', '*.jsx', '*.ts', '*.cts', '*.mts', '*.tsx', '*.json', '*.node'];

/**
 * Whether a commit that is not checked out may run its configuration code: only when none of its
 * code differs from HEAD's, whose code the user already runs (a file the configuration requires
 * counts as much as the configuration). `NIXTAG_TRUST_CONFIG_CODE=1` trusts any.
 */
export function codeTrust(
  repository: Repository,
  treeId: () => Promise<string>,
  env: NodeJS.ProcessEnv = process.env,
): (file: string) => Promise<boolean> {
  let answer: Promise<boolean> | undefined;
  return () =>
    (answer ??= (async () => {
      if (env.NIXTAG_TRUST_CONFIG_CODE === '1') return true;
      const options = inRepository(repository);
      // No HEAD (before the first commit): nothing is trusted yet.
      const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{tree}'], options).catch(() => '');
      if (head.trim() === '') return false;
      const changed = await git(
        ['diff-tree', '-r', '--name-only', '--no-renames', head.trim(), await treeId(), '--', ...CODE],
        options,
      );
      return changed.trim() === '';
    })());
}
