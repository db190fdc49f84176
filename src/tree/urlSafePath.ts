import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LINKS_PREFIX } from '../userPaths.js';

/** What a `file://` URL's path may hold unescaped (RFC 3986's pchar without `%`), as Nix parses it. */
const URL_SAFE = /^[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;

/** A directory of this user's alone, that no one else can have made or replaced. */
function privateDirectory(): string | undefined {
  for (const base of [tmpdir(), '/tmp']) {
    const dir = path.join(base, `${LINKS_PREFIX}${process.getuid?.() ?? 0}`);
    if (!URL_SAFE.test(dir)) continue;
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch {
      // It exists already: used only when it is a real directory of ours that no one else can write.
    }
    const stats = lstatSync(dir, { throwIfNoEntry: false });
    const own = stats?.isDirectory() && stats.uid === (process.getuid?.() ?? stats.uid) && (stats.mode & 0o077) === 0;
    if (own) return dir;
  }
  return undefined;
}

/**
 * The checkout's path as Nix can take it. Nix 2.8's `fetchGit` turns a local path into a
 * `file://` URL and refuses one that is not a valid URL (a space, `#`, `%`, non-ASCII), so
 * `builtins.fetchGit ./.` fails in a checkout under such a repository path where CI's clone
 * (`/workspace/source`) evaluates. Such a checkout is reached through a symlink with a safe path,
 * to the directory that holds it, so that its own name (the store name of `./.`) is kept.
 */
export function urlSafePath(dir: string): string {
  if (URL_SAFE.test(dir)) return dir;
  const home = privateDirectory();
  if (home === undefined) return dir; // Nix then says which path it refused
  const parent = path.dirname(dir);
  const link = path.join(home, createHash('sha256').update(parent).digest('hex').slice(0, 20));
  let current: string | undefined;
  try {
    current = readlinkSync(link);
  } catch {
    current = undefined;
  }
  if (current !== parent) {
    const temporary = `${link}.${process.pid}`;
    symlinkSync(parent, temporary);
    renameSync(temporary, link);
  }
  return path.join(link, path.basename(dir));
}
