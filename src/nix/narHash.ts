import { createHash, type Hash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

/** A NAR string: its length (64-bit little-endian), its bytes, zeros to a multiple of 8. */
function string(hash: Hash, value: string | Buffer): void {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  hash.update(length).update(bytes);
  const pad = (8 - (bytes.length % 8)) % 8;
  if (pad > 0) hash.update(Buffer.alloc(pad));
}

function strings(hash: Hash, ...values: string[]): void {
  for (const value of values) string(hash, value);
}

/** Nix's NAR serialisation of `file` (dumpPath): entries sorted by name bytewise, the owner's x bit. */
async function dump(hash: Hash, file: string): Promise<void> {
  const stat = await lstat(file);
  strings(hash, '(', 'type');
  if (stat.isSymbolicLink()) {
    strings(hash, 'symlink', 'target');
    string(hash, Buffer.from(await readlink(file, { encoding: 'buffer' })));
  } else if (stat.isDirectory()) {
    strings(hash, 'directory');
    const names = (await readdir(file)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      strings(hash, 'entry', '(', 'name', name, 'node');
      await dump(hash, path.join(file, name));
      strings(hash, ')');
    }
  } else {
    strings(hash, 'regular');
    if ((stat.mode & 0o100) !== 0) strings(hash, 'executable', '');
    strings(hash, 'contents');
    string(hash, await readFile(file));
  }
  strings(hash, ')');
}

/**
 * The NAR hash of the tree at `directory` as a flake lock records it (`sha256-<base64>`, what
 * `nix hash path` prints): what Nix's `path:` fetcher would store for it.
 */
export async function narHash(directory: string): Promise<string> {
  const hash = createHash('sha256');
  strings(hash, 'nix-archive-1');
  await dump(hash, directory);
  return `sha256-${hash.digest('base64')}`;
}
