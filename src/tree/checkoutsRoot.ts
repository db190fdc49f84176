import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDirectoryUnder } from '../nixtagDirectory.js';

/** What a `file://` URL's path may hold unescaped (RFC 3986's pchar without `%`), as Nix parses it. */
const URL_SAFE = /^[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;

/**
 * Where the private directory may go, in order: TMPDIR when it is set (the tests set it, so that
 * what they leave goes with them), else /var/tmp (on disk: it survives a reboot, and is not a
 * RAM-backed tmpfs as /tmp often is), else the system's temporary directory.
 */
function bases(): string[] {
  const fromEnvironment = process.env.TMPDIR;
  const ordered = [...(fromEnvironment ? [fromEnvironment] : []), '/var/tmp', tmpdir(), '/tmp'];
  return [...new Set(ordered.map((base) => path.resolve(base)))];
}

/**
 * A base as Nix will see it: with every symlink resolved (restrict-eval and path values do), so
 * that a TMPDIR that is a link into a repository's `.git` (`proj/tmp -> .git/tmp`) is seen to
 * be there. Undefined when it cannot be resolved (it does not exist).
 */
function realBase(base: string): string | undefined {
  try {
    return realpathSync(base);
  } catch {
    return undefined;
  }
}

/** Whether Nix can be handed the directory's path as it is: no `.git` step, a valid URL's path. */
const seenWhole = (dir: string) => URL_SAFE.test(dir) && !dir.split(path.sep).includes('.git');

const privateDirectories = new Map<string, string | undefined>();

/**
 * Where the location probe's checkouts may go (engine/checkoutLocation.ts): the user's cache
 * directory first, whose path shares no word with a temporary directory's (a filter that drops
 * `/tmp/` keeps everything there), then the checkouts' own bases.
 */
function elsewhereBases(): string[] {
  const home = process.env.HOME;
  const cache = process.env.XDG_CACHE_HOME || (home ? path.join(home, '.cache') : undefined);
  try {
    if (cache) mkdirSync(cache, { recursive: true, mode: 0o700 }); // as any program that caches makes it
  } catch {
    // Not ours to make (a read-only home): the checkouts' bases serve.
  }
  return [...new Set([...(cache ? [path.resolve(cache)] : []), ...bases()])];
}

/** A directory of this user's alone, that no one else can have made or replaced; undefined if none. */
function privateDirectory(candidates = bases(), prefix = 'nixtag-checkouts'): string | undefined {
  const uid = process.getuid?.();
  const key = `${prefix}\0${candidates.join('\0')}`;
  if (privateDirectories.has(key)) return privateDirectories.get(key);
  let found: string | undefined;
  for (const given of candidates) {
    const base = realBase(given);
    if (base === undefined) continue;
    // Tested, and used, where it really is: the path Nix resolves to is the one it sees.
    const dir = path.join(base, `${prefix}-${uid ?? 0}`);
    if (!seenWhole(dir)) continue;
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch {
      // It exists already (used only when it is a real directory of ours that no one else can
      // write), or the base cannot be written in.
    }
    const stats = lstatSync(dir, { throwIfNoEntry: false });
    if (stats?.isDirectory() && (uid === undefined || stats.uid === uid) && (stats.mode & 0o077) === 0) {
      found = dir;
      break;
    }
  }
  privateDirectories.set(key, found);
  return found;
}

/**
 * Where the checkouts of the judged trees live: a directory of their own per repository
 * (`<private>/<hash of the nixtag directory>/nixtag`, so `…/nixtag/trees/<slot>/<name>`, which
 * messages turn into the user's names), in a private directory of this user's under TMPDIR, or
 * /var/tmp, or the system's temporary directory. Never under the repository's `.git`: a source
 * filter sees absolute paths, and the common idiom that drops `.git` directories
 * (`lib.hasInfix "/.git/" path`, or a `builtins.match` of the same) would drop every file of a
 * checkout there, where CI's clone (`/workspace/source`) loses none. The path is a valid URL too:
 * Nix 2.8's `fetchGit` turns a local path into a `file://` URL and refuses one with a space, `#`,
 * `%` or non-ASCII, and restrict-eval resolves symlinks, so a link would not do: both are tested on
 * the base's real path, which is the one used (a TMPDIR linked into a `.git` is passed over). Only when no such
 * directory can be made are they kept under `<git dir>/nixtag` (`nixtagRoot`).
 */
export function checkoutsRoot(nixtagRoot: string): string {
  const home = privateDirectory();
  if (home === undefined) return nixtagRoot;
  const key = createHash('sha256').update(path.resolve(nixtagRoot)).digest('hex').slice(0, 20);
  return path.join(home, key, 'nixtag');
}

/**
 * Where the location probe checks the judged tree out a second time (engine/checkoutLocation.ts):
 * a path other than `checkoutsRoot`'s in every word and in length but the checkout's own name
 * (`~/.cache/nixtag-elsewhere-<uid>/<hash>/e/<slot>/<checkoutName>`), in a private directory of
 * its own; undefined when none can be made.
 */
export function elsewhereRoot(nixtagRoot: string): string | undefined {
  const home = privateDirectory(elsewhereBases(), 'nixtag-elsewhere');
  if (home === undefined) return undefined;
  const key = createHash('sha256').update(path.resolve(nixtagRoot)).digest('hex').slice(0, 12);
  return path.join(home, key, 'e');
}

/** The file under `<git dir>/nixtag` that names the checkouts' directory it owns (a random id). */
const ID_FILE = 'checkouts-id';
/** The file in a repository's checkouts' directory: its owner's nixtag directory and that id. */
const OWNER_FILE = 'owner';
/** A directory with no owner recorded (a run killed as it made it) goes after a day. */
const UNOWNED_GRACE_MS = 24 * 60 * 60 * 1000;

const readOrNothing = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * Before a checkout is read or written (under the repository's lock): the checkouts' directory
 * is this repository's, as `<git dir>/nixtag/checkouts-id` and the directory's owner file both
 * say. Where they do not (`<git dir>/nixtag` removed, a repository copied with `cp -r` to where
 * another was, a directory left by a repository deleted), what is there is removed and the
 * directory is claimed afresh: the next checkout is a full one. A directory made anew first
 * prunes the ones whose repository is gone, so that deleted repositories do not leak disk.
 */
export function claimCheckouts(nixtagRoot: string, checkouts: string): void {
  if (checkouts === nixtagRoot) return;
  const dir = path.dirname(checkouts);
  const idFile = path.join(nixtagRoot, ID_FILE);
  const ownerFile = path.join(dir, OWNER_FILE);
  const owner = path.resolve(nixtagRoot); // pruneOrphans asks whether it is still there
  const id = readOrNothing(idFile)?.trim();
  if (id && readOrNothing(ownerFile) === `${owner}\n${id}\n`) return;
  const made = !existsSync(dir);
  rmSync(checkouts, { recursive: true, force: true });
  ensureDirectoryUnder(path.dirname(dir), dir);
  rmSync(ownerFile, { recursive: true, force: true });
  const fresh = randomBytes(16).toString('hex');
  writeFileSync(ownerFile, `${owner}\n${fresh}\n`);
  ensureDirectoryUnder(nixtagRoot);
  rmSync(idFile, { recursive: true, force: true });
  writeFileSync(idFile, `${fresh}\n`);
  if (made) pruneOrphans(path.dirname(dir), dir);
}

/**
 * Before the location probe's second checkout is written (under the repository's lock): its
 * directory names its owner (`<git dir>/nixtag`), as the checkouts' does, and one made anew prunes
 * those of the same home whose repository is gone, so that a deleted repository's second checkout
 * (under the user's cache directory, which no cleaner of temporary directories visits) does not
 * leak disk. A live repository's is never touched: its owner exists.
 */
export function claimElsewhere(nixtagRoot: string, elsewhere: string): void {
  const dir = path.dirname(elsewhere);
  const ownerFile = path.join(dir, OWNER_FILE);
  const owner = `${path.resolve(nixtagRoot)}\n`;
  if (readOrNothing(ownerFile) === owner) return;
  const made = !existsSync(dir);
  ensureDirectoryUnder(path.dirname(dir), dir);
  rmSync(ownerFile, { recursive: true, force: true });
  writeFileSync(ownerFile, owner);
  if (made) pruneOrphans(path.dirname(dir), dir);
}

/**
 * Removes the checkouts' directories in `home` whose owner is gone: its git directory (or CI
 * mode's directory around its state) no longer exists. One with no owner recorded goes once it
 * is a day old. Best effort: what cannot be read or removed stays.
 */
function pruneOrphans(home: string, keep: string): void {
  let entries: string[];
  try {
    entries = readdirSync(home);
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = path.join(home, entry);
    if (dir === keep) continue;
    try {
      const owner = readOrNothing(path.join(dir, OWNER_FILE))?.split('\n')[0];
      const orphan =
        owner === undefined || owner === ''
          ? Date.now() - statSync(dir).mtimeMs > UNOWNED_GRACE_MS
          : !existsSync(path.dirname(owner));
      if (orphan) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another run's, or not ours to remove: left.
    }
  }
}

/** Removes a repository's checkouts kept outside its nixtag directory (CI mode's, after its run). */
export function removeCheckouts(nixtagRoot: string, checkouts: string): void {
  if (checkouts === nixtagRoot) return;
  rmSync(path.dirname(checkouts), { recursive: true, force: true });
}
