import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOptionalBytes } from '../../src/readOptional.js';
import { MAX_MANIFEST_BYTES, readRegularFile } from '../../src/regularFile.js';
import { tempDir } from '../helpers/repo.js';

describe('reading a manifest', () => {
  it('reads a regular file, through a symlink too, and nothing that is not one, without waiting on it', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.yaml'), 'image: x\n');
    writeFileSync(path.join(dir, 'empty.yaml'), '');
    symlinkSync('a.yaml', path.join(dir, 'link.yaml'));
    symlinkSync('/dev/zero', path.join(dir, 'zero.yaml'));
    symlinkSync('/dev/urandom', path.join(dir, 'random.yaml'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    symlinkSync('fifo', path.join(dir, 'fifo.yaml'));
    mkdirSync(path.join(dir, 'dir'));
    symlinkSync('dir', path.join(dir, 'dir.yaml'));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'socket'), resolve));
    try {
      const read = async (file: string) => {
        const result = await readRegularFile(path.join(dir, file));
        return 'bytes' in result ? { bytes: result.bytes.toString() } : result;
      };
      expect(await read('a.yaml')).toEqual({ bytes: 'image: x\n' });
      expect(await read('link.yaml')).toEqual({ bytes: 'image: x\n' });
      expect(await read('empty.yaml')).toEqual({ bytes: '' });
      expect(await read('zero.yaml')).toEqual({ notRegular: 'a character device' });
      expect(await read('random.yaml')).toEqual({ notRegular: 'a character device' });
      expect(await read('fifo.yaml')).toEqual({ notRegular: 'a FIFO' });
      expect(await read('dir.yaml')).toEqual({ notRegular: 'a directory' });
      expect(await read('socket')).toEqual({ notRegular: 'a socket' });
      await expect(readRegularFile(path.join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
      // What the fix of a staged file reads in the work tree, too.
      expect(await readOptionalBytes(path.join(dir, 'zero.yaml'))).toBeUndefined();
      expect(await readOptionalBytes(path.join(dir, 'fifo.yaml'))).toBeUndefined();
      expect((await readOptionalBytes(path.join(dir, 'a.yaml')))?.toString()).toBe('image: x\n');
    } finally {
      server.close();
    }
  });

  it('reads no more than a manifest may hold, by the size the file has', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'big.yaml'), 'x'.repeat(1000));
    expect(await readRegularFile(path.join(dir, 'big.yaml'), 999)).toEqual({ tooLarge: 1000 });
    expect(await readRegularFile(path.join(dir, 'big.yaml'), 1000)).toMatchObject({ bytes: expect.any(Buffer) });
    expect(MAX_MANIFEST_BYTES).toBeGreaterThanOrEqual(16 * 1024 * 1024);
  });
});
