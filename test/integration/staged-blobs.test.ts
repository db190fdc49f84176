import { describe, expect, it } from 'vitest';
import { NixtagError } from '../../src/errors.js';
import { openRepository } from '../../src/git/repository.js';
import { readBlobs } from '../../src/tree/stagedBlobs.js';
import { gitRepo } from '../helpers/repo.js';

describe('readBlobs', () => {
  it('reads loose and packed blobs alike', async () => {
    const repo = gitRepo({ 'packed.txt': 'packed\n' });
    repo.git('gc', '--quiet');
    repo.write({ 'loose.txt': 'loose\n' });
    repo.git('add', 'loose.txt');
    const packed = repo.git('rev-parse', 'HEAD:packed.txt').trim();
    const loose = repo.git('rev-parse', ':loose.txt').trim();
    const blobs = await readBlobs(await openRepository(repo.dir), [packed, loose]);
    expect(blobs.get(packed)?.toString()).toBe('packed\n');
    expect(blobs.get(loose)?.toString()).toBe('loose\n');
  });

  it('names an object the repository lacks, with what to run', async () => {
    const repo = gitRepo({ 'a.txt': 'a\n' });
    const absent = '0123456789abcdef0123456789abcdef01234567';
    const error = await readBlobs(await openRepository(repo.dir), [absent]).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NixtagError);
    expect((error as NixtagError).code).toBe('GIT_FAILED');
    expect((error as NixtagError).message).toContain(absent);
    expect((error as NixtagError).hint).toContain('git fsck');
  });
});
