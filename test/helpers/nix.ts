import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './repo.js';

/** A nix-instantiate that logs each call, first on PATH: what the hooks spawn is counted. */
export function countingNix(): { env: Record<string, string>; calls: () => number } {
  const bin = path.join(tempDir('shim-'), 'bin');
  mkdirSync(bin);
  const log = path.join(bin, 'calls.log');
  const real = ['/usr/bin/nix-instantiate', '/nix/var/nix/profiles/default/bin/nix-instantiate'].find((file) =>
    existsSync(file),
  );
  writeFileSync(path.join(bin, 'nix-instantiate'), `#!/bin/sh\necho call >> "${log}"\nexec ${real} "$@"\n`);
  chmodSync(path.join(bin, 'nix-instantiate'), 0o755);
  return {
    env: { PATH: `${bin}:${process.env.PATH}` },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}
