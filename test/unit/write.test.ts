import { spawnSync } from 'node:child_process';
import fs, { readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NixtagError } from '../../src/errors.js';
import { removeAbandonedTemporaries, replaceFiles } from '../../src/manifest/write.js';
import { tempDir } from '../helpers/repo.js';

const realWriteSync = fs.writeSync;

/**
 * Replaces fs.writeSync (also for modules that imported it by name) for nixtag's temporary files
 * only, until the test ends: vitest's own writes go through unchanged.
 */
type Write = (descriptor: number, buffer: Uint8Array, offset: number, length: number) => number;
const write = realWriteSync as unknown as Write;

function shimWriteSync(shim: Write) {
  (fs as { writeSync: unknown }).writeSync = (...args: Parameters<Write>) => {
    const target = readlinkSync(`/proc/self/fd/${args[0]}`);
    return target.includes('.nixtag-') ? shim(...args) : write(...args);
  };
  syncBuiltinESMExports();
}

afterEach(() => {
  (fs as { writeSync: unknown }).writeSync = realWriteSync;
  syncBuiltinESMExports();
});

function fixture() {
  const dir = tempDir();
  const file = path.join(dir, 'app.yaml');
  writeFileSync(file, 'image: app:old\n', { mode: 0o640 });
  return { dir, file };
}

describe('replaceFiles', () => {
  it('keeps writing after short writes until every byte is written', async () => {
    const { dir, file } = fixture();
    let calls = 0;
    shimWriteSync((descriptor, buffer, offset, length) => {
      calls++;
      return write(descriptor, buffer, offset, Math.min(7, length));
    });
    const content = 'image: app:new\n'.repeat(100);
    await replaceFiles([{ target: file, content, displayFile: 'app.yaml' }]);
    expect(calls).toBeGreaterThan(100);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['app.yaml']);
  });

  it('fails with WRITE_FAILED, keeps the original and removes the temporary file when the disk fills', async () => {
    for (const failure of ['zero', 'throw'] as const) {
      const { dir, file } = fixture();
      let written = 0;
      shimWriteSync((descriptor, buffer, offset, length) => {
        if (written >= 20) {
          if (failure === 'throw')
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          return 0;
        }
        const count = write(descriptor, buffer, offset, Math.min(20, length));
        written += count;
        return count;
      });
      const error: unknown = await replaceFiles([
        { target: file, content: 'image: app:new\n'.repeat(10), displayFile: 'k8s/app.yaml' },
      ]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NixtagError);
      expect((error as NixtagError).code).toBe('WRITE_FAILED');
      expect((error as NixtagError).kind).toBe('tool');
      expect((error as NixtagError).message).toMatch(/^Could not write k8s\/app\.yaml: .*(no space left|of 150 bytes)/);
      expect((error as NixtagError).hint).toMatch(/Free some space/);
      expect(readFileSync(file, 'utf8')).toBe('image: app:old\n');
      expect(readdirSync(dir)).toEqual(['app.yaml']);
    }
  });
});

describe('replaceFiles with several files', () => {
  it('changes none of them when a later file or the step alongside fails', async () => {
    const dir = tempDir();
    const files = ['a.yaml', 'b.yaml', 'c.yaml'].map((name) => path.join(dir, name));
    for (const file of files) writeFileSync(file, `${path.basename(file)}: old\n`);
    const writes = files.map((file) => ({ target: file, content: 'new\n', displayFile: path.basename(file) }));

    // c.yaml's directory entry is replaced by a directory: its write fails after a and b were prepared.
    const failing = [...writes.slice(0, 2), { ...writes[2]!, target: path.join(dir, 'missing', 'c.yaml') }];
    const first = await replaceFiles(failing).catch((error: unknown) => error);
    expect((first as NixtagError).code).toBe('WRITE_FAILED');
    expect((first as NixtagError).message).toMatch(/^Could not write c\.yaml/);

    const second = await replaceFiles(writes, async () => {
      expect(readFileSync(files[0]!, 'utf8')).toBe('new\n'); // renamed into place before the step
      throw new Error('index update failed');
    }).catch((error: unknown) => error);
    expect((second as Error).message).toBe('index update failed');

    for (const file of files) expect(readFileSync(file, 'utf8')).toBe(`${path.basename(file)}: old\n`);
    expect(readdirSync(dir).sort()).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
    await replaceFiles(writes);
    for (const file of files) expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(dir).sort()).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
  });
});

describe('removeAbandonedTemporaries', () => {
  it('removes the temporary files of runs that are gone, and nothing else', async () => {
    const dir = tempDir();
    const dead = spawnSync('true').pid; // exited: its pid is (almost surely) free now
    const names = [
      `.app.yaml.nixtag-${dead}-0123abcd`, // abandoned
      `.app.yaml.nixtag-${process.pid}-0123abcd`, // a run still writing
      `.kept.yaml.nixtag-${dead}-89abcdef`, // tracked: kept
      `.app.yaml.nixtag-${dead}-xyz`, // not the pattern
      'app.yaml',
    ];
    for (const name of names) writeFileSync(path.join(dir, name), 'x');
    const removed = await removeAbandonedTemporaries([dir, dir, path.join(dir, 'missing')], (file) =>
      file.includes('.kept.yaml'),
    );
    expect(removed).toEqual([path.join(dir, names[0]!)]);
    expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
  });
});
