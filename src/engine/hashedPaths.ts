import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { narHash } from '../nix/narHash.js';
import { toNix32 } from '../nix/nix32.js';
import type { HashedPath } from '../nix/source/hashedPaths.js';

/** A sha256 as Nix takes it (nix-base32, base16, base64, SRI, `sha256:` before any), in nix-base32. */
function sha256Nix32(hash: string): string | undefined {
  const bare = hash.replace(/^sha256:/, '');
  if (bare.startsWith('sha256-')) return toNix32(Buffer.from(bare.slice('sha256-'.length), 'base64'));
  if (/^[0-9a-fA-F]{64}$/.test(bare)) return toNix32(Buffer.from(bare, 'hex'));
  if (/^[0-9a-df-np-sv-z]{52}$/.test(bare)) return bare;
  if (/^[A-Za-z0-9+/]{43}=$/.test(bare)) return toNix32(Buffer.from(bare, 'base64'));
  return undefined;
}

/** What CI's empty store hashes at `file`: its NAR, or its bytes (`recursive = false`); undefined if absent. */
async function hashOf(file: string, recursive: boolean): Promise<string | undefined> {
  const found = await lstat(file).catch(() => undefined);
  if (found === undefined) return undefined;
  if (recursive) return sha256Nix32(await narHash(file));
  if (!found.isFile()) return undefined;
  return toNix32(
    createHash('sha256')
      .update(await readFile(file))
      .digest(),
  );
}

const locationOf = ({ at, column }: HashedPath) => {
  const colon = at.lastIndexOf(':');
  return { file: at.slice(0, colon), line: Number(at.slice(colon + 1)), column };
};

/**
 * Refuses the first hash-fixed copy (nix/source/hashedPaths.ts) among `hashed` (each image's) whose
 * hash is not that of the tree's files in the checkout `root` (PATH_HASH_MISMATCH), or that the
 * text does not let nixtag hash (PATH_HASH_UNCHECKED: a filter, a computed path or hash). A store
 * that holds the hash's path answers for it here on Nix 2.8 and 2.26 without reading the files;
 * CI's empty store reads them and fails on any difference.
 */
export async function refuseStaleHashedPaths(
  root: string,
  names: readonly string[],
  hashed: ReadonlyArray<readonly HashedPath[]>,
): Promise<void> {
  for (const [index, calls] of hashed.entries()) {
    for (const call of calls) {
      const name = names[index]!;
      const { checkable } = call;
      const specified = checkable === undefined ? undefined : sha256Nix32(checkable.hash);
      if (checkable === undefined || specified === undefined) {
        throw new NixtagError('PATH_HASH_UNCHECKED', messages.hashedPathUnchecked(name, call.at), {
          location: locationOf(call),
          hint: messages.hashedPathHint(),
        });
      }
      const got = await hashOf(path.join(root, checkable.path), checkable.recursive);
      if (got === specified) continue;
      const display = checkable.path === '' ? './.' : `./${checkable.path}`;
      throw new NixtagError('PATH_HASH_MISMATCH', messages.hashedPathMismatch(name, call.at, display), {
        location: locationOf(call),
        detail: messages.hashedPathSpecifiedGot(checkable.hash, got === undefined ? messages.hashedPathAbsent() : got),
        hint: messages.hashedPathHint(),
      });
    }
  }
}
