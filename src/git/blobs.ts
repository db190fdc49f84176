import { gitBytes } from './git.js';
import { inRepository, type Repository } from './repository.js';

/** The contents of many blobs from one `git cat-file --batch`, touching no working tree. */
export async function readBlobs(repository: Repository, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(oids)];
  const blobs = new Map<string, Buffer>();
  if (unique.length === 0) return blobs;
  const output = await gitBytes(['cat-file', '--batch'], inRepository(repository, { input: `${unique.join('\n')}\n` }));
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
