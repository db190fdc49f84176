import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { gitBytes } from './git.js';
import { inRepository, type Repository } from './repository.js';

/**
 * A blob that is a loose object, read straight from the object store: blobs that were just
 * staged are, and reading one is a file read and an inflate instead of a git process. Undefined
 * for anything else (packed objects), which git is asked for.
 */
function readLooseBlob(repository: Repository, oid: string): Buffer | undefined {
  try {
    const data = inflateSync(readFileSync(path.join(repository.commonDir, 'objects', oid.slice(0, 2), oid.slice(2))));
    const nul = data.indexOf(0);
    const [type, size] = data.subarray(0, nul).toString('latin1').split(' ');
    const content = data.subarray(nul + 1);
    return type === 'blob' && content.length === Number(size) ? content : undefined;
  } catch {
    return undefined;
  }
}

/** The contents of many blobs: loose ones read directly, the rest from one `git cat-file --batch`. */
export async function readBlobs(repository: Repository, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  const packed: string[] = [];
  for (const oid of new Set(oids)) {
    const loose = readLooseBlob(repository, oid);
    if (loose === undefined) packed.push(oid);
    else blobs.set(oid, loose);
  }
  if (packed.length === 0) return blobs;
  const output = await gitBytes(['cat-file', '--batch'], inRepository(repository, { input: `${packed.join('\n')}\n` }));
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(0x0a, offset);
    const [oid = '', type = '', size = ''] = output.subarray(offset, newline).toString('utf8').split(' ');
    if (type === 'missing') throw new Error(`git cat-file: ${oid} is missing`);
    const length = Number(size);
    blobs.set(oid, output.subarray(newline + 1, newline + 1 + length));
    offset = newline + 1 + length + 1; // the content is followed by a newline
  }
  return blobs;
}
