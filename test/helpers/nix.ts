import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './repo.js';

/**
 * A nix-instantiate and a nix (flakes) that log each call, first on PATH: what the hooks spawn is
 * counted, either program.
 */
export function countingNix(): { env: Record<string, string>; calls: () => number } {
  const bin = path.join(tempDir('shim-'), 'bin');
  mkdirSync(bin);
  const log = path.join(bin, 'calls.log');
  for (const program of ['nix-instantiate', 'nix']) {
    // The one these tests run on: the first on PATH (the second Nix's shim in *-nix2.26).
    const real = execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim();
    writeFileSync(path.join(bin, program), `#!/bin/sh\necho ${program} >> "${log}"\nexec ${real} "$@"\n`);
    chmodSync(path.join(bin, program), 0o755);
  }
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
 * Debian 13's Nix 2.26 beside the machine's (scripts/ensure-nix226.sh installs it): the directory
 * of its shims (NIXTAG_NIX226_BIN, default /srv/nix226-bin; each call runs in a private mount
 * namespace), when its nix-instantiate answers as 2.26.
 */
function nix226Bin(): string | undefined {
  const bin = process.env.NIXTAG_NIX226_BIN || '/srv/nix226-bin';
  try {
    const version = execFileSync(path.join(bin, 'nix-instantiate'), ['--version'], { encoding: 'utf8' });
    return / 2\.26\./.test(version) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** The Nix versions to test on: the machine's (2.8 on Debian 12) and, when set up, 2.26. */
export function nixVariants(): NixVariant[] {
  const variants: NixVariant[] = [{ name: 'system Nix', env: {} }];
  const bin = nix226Bin();
  if (bin === undefined) {
    if (process.env.NIXTAG_REQUIRE_SECOND_NIX === '1')
      throw new Error(
        `no Nix 2.26 at ${process.env.NIXTAG_NIX226_BIN || '/srv/nix226-bin'} (scripts/ensure-nix226.sh)`,
      );
    return variants;
  }
  variants.push({ name: 'Nix 2.26', env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
  return variants;
}

/** Runs `run` in this process with a variant's Nix first on PATH (its `env`), PATH restored after. */
export async function withNix<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  if (env.PATH !== undefined) process.env.PATH = env.PATH;
  try {
    return await run();
  } finally {
    process.env.PATH = saved;
  }
}
