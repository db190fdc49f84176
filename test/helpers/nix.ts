import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tempDir } from './repo.js';

/** A nix-instantiate that logs each call, first on PATH: what the hooks spawn is counted. */
export function countingNix(): { env: Record<string, string>; calls: () => number } {
  const bin = path.join(tempDir('shim-'), 'bin');
  mkdirSync(bin);
  const log = path.join(bin, 'calls.log');
  // The nix-instantiate these tests run on: the first on PATH (the second Nix's shim in *-nix2.26).
  const real = execFileSync('sh', ['-c', 'command -v nix-instantiate'], { encoding: 'utf8' }).trim();
  writeFileSync(path.join(bin, 'nix-instantiate'), `#!/bin/sh\necho call >> "${log}"\nexec ${real} "$@"\n`);
  chmodSync(path.join(bin, 'nix-instantiate'), 0o755);
  return {
    env: { PATH: `${bin}:${process.env.PATH}` },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}

/** The version of the Nix these tests run on (the first one on PATH), as [major, minor]. */
export function nixVersion(): [number, number] {
  const text = execFileSync('nix-instantiate', ['--version'], { encoding: 'utf8' });
  const [, major = '0', minor = '0'] = /(\d+)\.(\d+)/.exec(text) ?? [];
  return [Number(major), Number(minor)];
}

/** Whether this run of the tests is the one on the second Nix (vitest projects `*-nix2.26`). */
export const onSecondNix = process.env.NIXTAG_TEST_NIX === 'second';

/** Nix at least `major.minor`. */
export function nixAtLeast(major: number, minor: number): boolean {
  const [haveMajor, haveMinor] = nixVersion();
  return haveMajor > major || (haveMajor === major && haveMinor >= minor);
}

export interface NixVariant {
  name: string;
  /** Extra environment for nixtag: PATH with this Nix first. */
  env: Record<string, string>;
}

/**
 * Debian 13's Nix 2.26 in a chroot beside the machine's Nix (scripts/ensure-nix226.sh installs it): the directory
 * NIXTAG_TEST_NIX226 names, or /srv/nix226, when it holds nix-instantiate and its /proc and /tmp
 * are mounted (repositories under /tmp must have the same path inside).
 */
function nix226Root(): string | undefined {
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
    if (process.env.NIXTAG_TEST_NIX226 || process.env.NIXTAG_REQUIRE_SECOND_NIX === '1')
      throw new Error(`no usable Nix 2.26 chroot at ${process.env.NIXTAG_TEST_NIX226 || '/srv/nix226'}`);
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
