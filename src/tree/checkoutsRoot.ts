import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What a `file://` URL's path may hold unescaped (RFC 3986's pchar without `%`), as Nix parses it. */
const URL_SAFE = /^[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;

/** A directory of this user's alone, that no one else can have made or replaced; undefined if none. */
function privateDirectory(): string | undefined {
  const uid = process.getuid?.();
  for (const base of [tmpdir(), '/tmp']) {
    const dir = path.join(base, `nixtag-checkouts-${uid ?? 0}`);
    if (!URL_SAFE.test(dir)) continue;
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch {
      // It exists already: used only when it is a real directory of ours that no one else can write.
    }
    const stats = lstatSync(dir, { throwIfNoEntry: false });
    if (stats?.isDirectory() && (uid === undefined || stats.uid === uid) && (stats.mode & 0o077) === 0) return dir;
  }
  return undefined;
}

/**
 * Where the checkouts of the judged trees live: under `<git dir>/nixtag` (`nixtagRoot`), unless
 * that path is not a valid URL (a space, `#`, `%`, non-ASCII). Nix 2.8's `fetchGit` turns a local
 * path into a `file://` URL and refuses such a one, so `builtins.fetchGit ./.` would fail in the
 * checkout where CI's clone (`/workspace/source`) evaluates; and restrict-eval resolves symlinks,
 * so a link to it would not do. Such a repository's checkouts live in a private directory under
 * the system's temporary directory, one per repository; if it is cleaned away, the next run checks
 * out again. The path still ends in `nixtag/trees/…`, which messages turn into the user's names.
 */
export function checkoutsRoot(nixtagRoot: string): string {
  if (URL_SAFE.test(nixtagRoot)) return nixtagRoot;
  const home = privateDirectory();
  if (home === undefined) return nixtagRoot; // Nix then names the path it refused
  return path.join(home, createHash('sha256').update(nixtagRoot).digest('hex').slice(0, 20), 'nixtag');
}
