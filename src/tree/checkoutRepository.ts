import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { git, type GitOptions } from '../git/git.js';
import { algorithmOf, OBJECT_ID, writeLooseObject } from './looseObjects.js';

/**
 * Git with none of the user's own files: no system or global configuration, no system attributes,
 * and HOME and XDG_CONFIG_HOME at a directory that does not exist (Debian's `/nonexistent`, the
 * home of users that have none). GIT_CONFIG_GLOBAL alone is not enough: with core.attributesFile
 * unset, git still reads `$XDG_CONFIG_HOME/git/attributes`, else `~/.config/git/attributes`, and
 * an `eol=crlf` there would convert the checkout as CI's fresh container never does.
 */
export const WITHOUT_USER_FILES: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_ATTR_NOSYSTEM: '1',
  HOME: '/nonexistent',
  XDG_CONFIG_HOME: '/nonexistent',
};

/**
 * The checkout nixtag evaluates is a git repository of its own, as CI's clone is: `<checkout>/.git`
 * borrows the user's objects through `objects/info/alternates` (nothing is copied), and its HEAD
 * is the judged commit, so `builtins.fetchGit ./.` and `lib.fileset.gitTracked` see what they see
 * in CI. Every git command on it runs without the user's files (WITHOUT_USER_FILES), as in CI's
 * fresh container: the user's `core.autocrlf`, filters, attributes files and sparse-checkout
 * patterns never reach it, while the tree's own `.gitattributes` apply.
 */
export function checkoutGit(workTree: string, extra: Partial<GitOptions> = {}): GitOptions {
  return {
    ...extra,
    cwd: workTree,
    env: {
      GIT_DIR: path.join(workTree, '.git'),
      GIT_WORK_TREE: workTree,
      ...WITHOUT_USER_FILES,
      // A clone with git-lfs smudges, whatever the user's environment says (it is read where lfs is on).
      GIT_LFS_SKIP_SMUDGE: '0',
      ...extra.env,
    },
  };
}

/**
 * The git directory of a checkout: its `.git`, or where a submodule's gitfile (`gitdir: …`, as a
 * recursive clone writes it) points.
 */
function gitDirOf(workTree: string): string {
  const dotGit = path.join(workTree, '.git');
  try {
    if (!statSync(dotGit).isFile()) return dotGit;
    const pointer = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
    return pointer === undefined ? dotGit : path.resolve(workTree, pointer);
  } catch {
    return dotGit;
  }
}

/**
 * Makes `workTree` an empty git repository that reads its objects from `objectDirectories` (the
 * user's, and for a submodule its own module's). A submodule's git directory is elsewhere
 * (`gitDir`, under the superproject's `.git/modules`), as a recursive clone has it: `git init
 * --separate-git-dir` writes the gitfile that points there, and submodules.ts makes it relative.
 */
export async function initCheckout(
  workTree: string,
  objectDirectories: readonly string[],
  sampleOid: string,
  gitDir = path.join(workTree, '.git'),
) {
  const separate = gitDir !== path.join(workTree, '.git');
  const init = ['init', '--quiet', `--object-format=${algorithmOf(sampleOid)}`];
  if (separate) {
    mkdirSync(path.dirname(gitDir), { recursive: true });
    await git([...init, `--separate-git-dir=${gitDir}`, workTree], {
      cwd: path.dirname(workTree),
      env: { ...WITHOUT_USER_FILES },
    });
  } else {
    await git([...init, workTree], checkoutGit(workTree, { cwd: path.dirname(workTree) }));
  }
  await writeFile(
    path.join(gitDir, 'objects', 'info', 'alternates'),
    objectDirectories.map((directory) => `${directory}\n`).join(''),
  );
}

/** A git config value as git reads it back: quoted, with `\` and `"` escaped. */
const configValue = (value: string) => `"${value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;

/**
 * Gives the checkout git-lfs, as a CI clone made where git-lfs is installed has it: the filter in
 * its own `.git/config` (so every git that reads the checkout, Nix's included, uses it), and the
 * LFS objects read from the user's clone (`storage`, its `.git/lfs`), never downloaded here.
 */
export async function enableLfs(workTree: string, storage: string): Promise<void> {
  const lines = [
    '[filter "lfs"]',
    '\tprocess = git-lfs filter-process',
    '\tsmudge = git-lfs smudge -- %f',
    '\tclean = git-lfs clean -- %f',
    '\trequired = true',
    '[lfs]',
    `\tstorage = ${configValue(storage)}`,
    '',
  ];
  await writeFile(path.join(gitDirOf(workTree), 'config'), lines.join('\n'), { flag: 'a' });
}

/** Who makes the commit that stands for a tree that is not committed yet (the index, the worktree). */
const IDENTITY = 'nixtag <nixtag@localhost>';

/**
 * Writes a commit of `tree` into the checkout's own object store (never the user's) and returns
 * its id: a loose object written here, without a git process. Its date and parents are fixed, so
 * the same tree always gives the same commit; what an expression reads of it (`rev`, `revCount`,
 * `lastModified`) is not what the real commit will hold, which is why such an expression cannot be
 * judged before the commit exists.
 */
export async function writeCommit(
  workTree: string,
  tree: string,
  options: { parents?: readonly string[]; time?: number } = {},
): Promise<string> {
  const time = options.time ?? 0;
  const text = [
    `tree ${tree}`,
    ...(options.parents ?? []).map((parent) => `parent ${parent}`),
    `author ${IDENTITY} ${time} +0000`,
    `committer ${IDENTITY} ${time} +0000`,
    '',
    'The tree nixtag judges\n',
  ].join('\n');
  // A few hundred bytes: written synchronously, which costs less than a round through the
  // thread pool on the path every incremental checkout takes.
  return writeLooseObject(path.join(gitDirOf(workTree), 'objects'), 'commit', Buffer.from(text), algorithmOf(tree));
}

/** The commit the checkout's HEAD names (detached), if any. */
export function headOf(workTree: string): string | undefined {
  try {
    const head = readFileSync(path.join(gitDirOf(workTree), 'HEAD'), 'utf8').trim();
    return OBJECT_ID.test(head) ? head : undefined;
  } catch {
    return undefined;
  }
}

/** Points the checkout's HEAD at `commit`, detached, as a CI checkout of a revision is. */
export async function setHead(workTree: string, commit: string): Promise<void> {
  if (headOf(workTree) === commit) return;
  const head = path.join(gitDirOf(workTree), 'HEAD');
  writeFileSync(`${head}.${process.pid}.tmp`, `${commit}\n`);
  renameSync(`${head}.${process.pid}.tmp`, head);
}

/**
 * Runs `work` with the checkout's HEAD at another commit of the same tree: a child of the current
 * one, dated decades apart, so its `rev`, `revCount` and `lastModified` all differ. An expression
 * whose tag changes with it depends on the commit, not only on the tree.
 */
export async function withOtherCommit<T>(workTree: string, tree: string, work: () => Promise<T>): Promise<T> {
  const head = headOf(workTree);
  if (head === undefined) return work();
  const other = await writeCommit(workTree, tree, { parents: [head], time: 2_000_000_000 });
  await setHead(workTree, other);
  try {
    return await work();
  } finally {
    await setHead(workTree, head);
  }
}

/**
 * Runs `work` with a file of random bytes added to the checkout's `.git`, where git reads nothing
 * of it: a tag that changes with it depends on the bytes of `.git` itself (a source that takes in
 * the repository root), which no two clones share.
 */
export async function withForeignGitFile<T>(workTree: string, work: () => Promise<T>): Promise<T> {
  const probe = path.join(gitDirOf(workTree), 'nixtag-clone-probe');
  await writeFile(probe, `${randomBytes(16).toString('hex')}\n`);
  try {
    return await work();
  } finally {
    await rm(probe, { force: true });
  }
}

/*
 * The checkout's index matters to expressions that ask git about the checkout (`fetchGit`): with
 * it out of step, git calls the tree dirty. It is also what the checkout's files are checked
 * against before Nix reads them (checkoutIntegrity.ts). Keeping it in step costs a rewrite of the
 * whole index per update, which a run that Nix does not run in need not pay: an update keeps its
 * entries aside (`nixtag-index-pending`, `--index-info` input), applied in one rewrite before Nix
 * runs. A checkout whose evaluations are seen to read git (the HEAD probe) keeps it in step.
 */
const staleMarker = (workTree: string) => path.join(workTree, '.git', 'nixtag-index-stale');
const pendingEntries = (workTree: string) => path.join(workTree, '.git', 'nixtag-index-pending');
const wantedMarker = (workTree: string) => `${workTree}.reads-git`;
/** Past this, the entries kept aside are dropped and the index read again from HEAD. */
const PENDING_LIMIT = 4 * 1024 * 1024;

/** Whether an update should bring the checkout's index along: wanted, and not behind already. */
export function keepsIndex(workTree: string): boolean {
  return (
    existsSync(wantedMarker(workTree)) && !existsSync(staleMarker(workTree)) && !existsSync(pendingEntries(workTree))
  );
}

/** After an update that did not bring the index along: its entries (`--index-info` input), kept aside. */
export function leaveIndexBehind(workTree: string, entries: string): void {
  appendFileSync(pendingEntries(workTree), entries);
}

/**
 * Brings an index left behind in step with HEAD: the entries kept aside applied, or (marked stale
 * by an older nixtag, or too many) `git reset --mixed`, which keeps the stat data of the entries it
 * does not change; then, with `refresh`, refreshed, so that an entry with no stat data is hashed
 * once (a stat of every file: the checkout check refreshes only the entries it finds). True when
 * it was behind.
 */
export async function indexInStep(workTree: string, refresh = true): Promise<boolean> {
  const pending = pendingEntries(workTree);
  const stale = existsSync(staleMarker(workTree));
  const size = statSync(pending, { throwIfNoEntry: false })?.size;
  if (!stale && size === undefined) return false;
  const inCheckout = checkoutGit(workTree);
  if (stale || size! > PENDING_LIMIT) {
    await git(['reset', '--quiet', '--mixed', 'HEAD'], inCheckout);
  } else {
    await git(['update-index', '-z', '--index-info'], { ...inCheckout, input: readFileSync(pending, 'utf8') });
    if (refresh) await git(['update-index', '-q', '--refresh'], inCheckout);
  }
  await Promise.all([rm(staleMarker(workTree), { force: true }), rm(pending, { force: true })]);
  return true;
}

/**
 * Brings a stale index in step with HEAD and remembers that this checkout's expressions read
 * git. True when it was stale: an evaluation that read git before must run again.
 */
export async function freshenIndex(workTree: string): Promise<boolean> {
  const stale = await indexInStep(workTree);
  if (!existsSync(wantedMarker(workTree))) await writeFile(wantedMarker(workTree), '');
  return stale;
}
