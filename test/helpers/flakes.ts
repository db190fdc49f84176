import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, testEnv, writeFiles, type Files, type TestRepo } from './repo.js';
import { freshClone } from './trees.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const NIXPKGS_LIB = path.join(FIXTURES, 'nixpkgs-lib');
export const FLAKE_PARTS = path.join(FIXTURES, 'flake-parts');

/** The `nix` these tests run on (the first on PATH: the second Nix's shim in *-nix2.26), with flakes on. */
const NIX = ['--extra-experimental-features', 'nix-command flakes'];
/** Offline: without it, Nix 2.26 asks the binary cache for seconds before it gives up. */
const OFFLINE = ['--option', 'substituters', ''];

/** A derivation named `name` (a docker-like image name), built for `system`; `extra` goes in its set. */
export function flakeDrv(name: string, extra = '', system = '"x86_64-linux"'): string {
  return `derivation { name = "${name}"; system = ${system}; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; ${extra} }`;
}

/** Runs `nix <args>` in `dir` with flakes on; its stdout, or an Error with its stderr. */
export function nix(dir: string, args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync('nix', [...NIX, ...args], { cwd: dir, env: testEnv(env), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`nix ${args.join(' ')} failed in ${dir}:\n${result.stderr}`);
  return result.stdout;
}

/**
 * The oracle: what CI's pipeline prints for `installable` in a fresh clone of the committed
 * repository, `nix eval --raw <installable>.<leaf>`.
 */
export function ciFlakeEval(repo: TestRepo, installable: string, leaf = 'outPath'): string {
  const clone = freshClone(repo.dir, false);
  return nix(clone, ['eval', '--raw', ...OFFLINE, `${installable}.${leaf}`]);
}

/** CI's `nix eval` of `installable` in a fresh clone with an empty store: its answer, or its error. */
export function emptyStoreEval(repo: TestRepo, installable = '.#image'): string {
  const store = path.join(tempDir('store-'), 'store');
  mkdirSync(store);
  try {
    return nix(freshClone(repo.dir, false), ['eval', '--raw', '--store', store, `${installable}.outPath`]);
  } catch (error) {
    return (error as Error).message;
  }
}

/** The hash part of a store path. */
export const hashOf = (storePath: string) => path.basename(storePath).slice(0, 32);

/**
 * Writes `flake.lock` for the flake in `directory` of the repository with the Nix under test (as
 * a user runs `nix flake lock` with CI's Nix), its files tracked first: a git flake sees only
 * those. Then commits everything.
 */
export function lockAndCommit(repo: TestRepo, directory = '.'): void {
  repo.git('add', '--all');
  nix(path.join(repo.dir, directory), ['flake', 'lock', ...OFFLINE]);
  repo.commit('lock');
}

/** A `file://` tarball (`<name>.tar.gz`) of a directory `name` holding `files` (or a copy of `from`). */
export function flakeTarball(name: string, files: Files, from?: string): { url: string; file: string } {
  const work = tempDir('tarball-');
  const root = path.join(work, name);
  mkdirSync(root);
  if (from !== undefined) cpSync(from, root, { recursive: true });
  writeFiles(root, files);
  const file = path.join(work, `${name}.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', work, name]);
  return { url: `file://${file}`, file };
}

/** A nixpkgs-like flake input: the fixture's nixpkgs `lib/` with a flake.nix giving `lib`. */
export function nixpkgsLibTarball(): { url: string; file: string } {
  return flakeTarball(
    'nixpkgs-lib',
    { 'flake.nix': '{ description = "nixpkgs lib stand-in"; outputs = { self }: { lib = import ./lib; }; }\n' },
    NIXPKGS_LIB,
  );
}
