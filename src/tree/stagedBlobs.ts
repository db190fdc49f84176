import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { readLooseObject } from './looseObjects.js';
import { gitBytes } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';

/** The contents of many blobs: loose ones read directly, the rest from one `git cat-file --batch`. */
export async function readBlobs(repository: Repository, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  const packed: string[] = [];
  for (const oid of new Set(oids)) {
    // A blob just staged is loose: a file read and an inflate instead of a git process.
    const loose = readLooseObject(path.join(repository.commonDir, 'objects'), oid, 'blob');
    if (loose === undefined) packed.push(oid);
    else blobs.set(oid, loose);
  }
  if (packed.length === 0) return blobs;
  const output = await gitBytes(['cat-file', '--batch'], inRepository(repository, { input: `${packed.join('\n')}\n` }));
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(0x0a, offset);
    const [oid = '', type = '', size = ''] = output.subarray(offset, newline).toString('utf8').split(' ');
    if (type === 'missing') {
      throw new NixtagError('GIT_FAILED', messages.gitObjectMissing(oid), { hint: messages.gitObjectMissingHint() });
    }
    const length = Number(size);
    blobs.set(oid, output.subarray(newline + 1, newline + 1 + length));
    offset = newline + 1 + length + 1; // the content is followed by a newline
  }
  return blobs;
}
