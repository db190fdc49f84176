import { execFileSync } from 'node:child_process';

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
