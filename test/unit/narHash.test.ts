import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { narHash } from '../../src/nix/narHash.js';

const root = mkdtempSync(path.join(tmpdir(), 'nixtag-nar-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The oracle: Nix's own NAR hash of the directory, as SRI. */
const nixHash = (directory: string) =>
  `sha256-${Buffer.from(execFileSync('nix-hash', ['--type', 'sha256', directory], { encoding: 'utf8' }).trim(), 'hex').toString('base64')}`;

describe('narHash', () => {
  it("equals nix-hash's for files, executables, symlinks, nested and empty directories, odd lengths and names", async () => {
    const dir = path.join(root, 'tree');
    mkdirSync(path.join(dir, 'b/nested'), { recursive: true });
    mkdirSync(path.join(dir, 'empty'));
    writeFileSync(path.join(dir, 'flake.nix'), '{ outputs = { self }: { }; }\n');
    writeFileSync(path.join(dir, 'B'), '');
    writeFileSync(path.join(dir, 'a-12345'), 'x'.repeat(13));
    writeFileSync(path.join(dir, 'b/nested/é.txt'), 'unicode name\n');
    writeFileSync(path.join(dir, 'run.sh'), '#!/bin/sh\n');
    chmodSync(path.join(dir, 'run.sh'), 0o755);
    symlinkSync('b/nested', path.join(dir, 'link'));
    expect(await narHash(dir)).toBe(nixHash(dir));
  });
});
