import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import type { PushUpdate } from './prePushInput.js';

/**
 * What a push whose lines nixtag never saw may send: git runs pre-push with an empty stdin for a
 * push with nothing to send, and also when something before nixtag read the lines (`git lfs
 * pre-push` in the same husky file; the pre-commit framework, which tells its hooks about one ref
 * at most). The two cannot be told apart, so every local branch and tag, and a detached HEAD, whose
 * tip the remote's tracking refs do not hold is taken as pushed: a push with nothing to send finds
 * nothing there (the common case stays free), one that sends a commit of a local ref finds it.
 * `remote` is the hook's first argument, a remote's name or a URL (then no tracking ref holds anything).
 */
export async function unlistedPush(
  repository: Repository,
  remote: string,
  extra: readonly string[] = [],
): Promise<PushUpdate[]> {
  const options = inRepository(repository);
  const refs = await git(
    [
      'for-each-ref',
      '--format=%(refname) %(objecttype) %(objectname) %(*objecttype) %(*objectname)',
      'refs/heads',
      'refs/tags',
    ],
    options,
  );
  const tips = new Map<string, string>(); // oid -> the first ref naming it
  for (const line of refs.split('\n')) {
    const [ref, type, oid, peeledType, peeled] = line.split(' ');
    if (ref === undefined || oid === undefined) continue;
    const commit = type === 'commit' ? oid : peeledType === 'commit' ? peeled : undefined;
    if (commit !== undefined && !tips.has(commit)) tips.set(commit, ref);
  }
  const detached = (await git(['symbolic-ref', '-q', 'HEAD'], options).catch(() => '')).trim() === '';
  if (detached) {
    const head = (await git(['rev-parse', '--verify', '-q', 'HEAD'], options).catch(() => '')).trim();
    if (head !== '' && !tips.has(head)) tips.set(head, 'HEAD');
  }
  for (const oid of extra) if (!tips.has(oid)) tips.set(oid, oid);
  if (tips.size === 0) return [];
  // Every commit of these tips that no tracking ref of the remote holds; a tip among them is new.
  const unpushed = new Set(
    (
      await git(['rev-list', '--stdin', '--not', `--remotes=${remote}`], {
        ...options,
        input: `${[...tips.keys()].join('\n')}\n`,
      })
    ).split('\n'),
  );
  return [...tips]
    .filter(([oid]) => unpushed.has(oid))
    .map(([oid, ref]) => ({ localRef: ref, localOid: oid, remoteRef: '', remoteOid: '' }));
}
