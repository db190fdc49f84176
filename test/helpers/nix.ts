import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

export interface NixVariant {
  name: string;
  /** Extra environment for nixtag: PATH with this Nix first. */
  env: Record<string, string>;
}

/**
 * Debian 13's Nix 2.26 in a chroot beside the machine's Nix (see scripts/nix226.sh): the directory
 * NIXTAG_TEST_NIX226 names, or /srv/nix226, when it holds nix-instantiate and its /proc and /tmp
 * are mounted (repositories under /tmp must have the same path inside).
 */
export function nix226Root(): string | undefined {
  const root = process.env.NIXTAG_TEST_NIX226 || '/srv/nix226';
  if (!existsSync(path.join(root, 'usr/bin/nix-instantiate')) || !existsSync(path.join(root, 'proc/self'))) {
    return undefined;
  }
  const probe = mkdtempSync(path.join(tmpdir(), 'nixtag-probe-'));
  try {
    return existsSync(path.join(root, probe)) ? root : undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** The Nix versions to test on: the machine's (2.8 on Debian 12) and, when set up, 2.26. */
export function nixVariants(): NixVariant[] {
  const variants: NixVariant[] = [{ name: 'system Nix', env: {} }];
  const root = nix226Root();
  if (root === undefined) {
    if (process.env.NIXTAG_TEST_NIX226)
      throw new Error(`NIXTAG_TEST_NIX226=${process.env.NIXTAG_TEST_NIX226}: no usable chroot there`);
    return variants;
  }
  const bin = mkdtempSync(path.join(tmpdir(), 'nixtag-nix226-'));
  process.once('exit', () => rmSync(bin, { recursive: true, force: true }));
  for (const tool of ['nix-instantiate', 'nix-store', 'nix-prefetch-url']) {
    const shim = path.join(bin, tool);
    writeFileSync(
      shim,
      `#!/bin/sh\nexec chroot ${root} /bin/sh -c 'cd "$0" 2>/dev/null || cd /; exec /usr/bin/${tool} "$@"' "$PWD" "$@"\n`,
    );
    chmodSync(shim, 0o755);
  }
  variants.push({ name: 'Nix 2.26', env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
  return variants;
}
