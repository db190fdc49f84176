import { cp, lstat, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { WITHOUT_USER_FILES } from '../tree/checkoutRepository.js';
import { git } from '../git/git.js';
import type { EvalSettings } from '../nix/commandLine.js';
import { nixProcess } from '../nix/environment.js';
import { DOCTOR_SCRATCH_PREFIX } from '../userPaths.js';
import { readOptional } from '../readOptional.js';

/** One way of evaluating an image that exposes an impurity when its tag differs from the base's. */
export type ProbeId =
  | 'control'
  | 'checkoutName'
  | 'gitMetadata'
  | 'untracked'
  | 'commit'
  | 'environment'
  | 'system'
  | 'manifests'
  | 'importFromDerivation';

/**
 * Where and how a probe evaluates: a directory (a copy of the base, changed), a change to the
 * settings evaluation has in that directory (which are derived per directory: see doctor.ts), an
 * environment.
 */
export interface Probe {
  id: ProbeId;
  root: string;
  adjust?: ((settings: EvalSettings) => EvalSettings) | undefined;
  env?: Record<string, string> | undefined;
  readWrite?: boolean;
}

export interface ProbePlan {
  /** A clean git repository holding the tree, at CI's checkout name: what every probe varies. */
  base: string;
  /** Its parent, removed at the end. */
  scratch: string;
  probes: Probe[];
}

export interface ProbeInput {
  /** The checked-out tree nixtag evaluates. */
  checkout: string;
  checkoutName: string;
  settings: EvalSettings;
  /** The machine's own system, when it differs from the configured one. */
  machineSystem: string | undefined;
  /** Directories (relative) that hold image expressions: an untracked file goes in each. */
  imageDirectories: string[];
  /** Manifests (relative) that hold managed references. */
  manifests: string[];
  /** The repository's branch and tag names (`refs/heads/…`, `refs/tags/…`): a clone that has them. */
  refs: string[];
}

/** Git as CI's clone would run it: none of the user's configuration, a fixed identity and date. */
const gitIn = (cwd: string, date: string) => (args: string[]) =>
  git(args, {
    cwd,
    env: {
      ...WITHOUT_USER_FILES,
      GIT_AUTHOR_NAME: 'nixtag doctor',
      GIT_AUTHOR_EMAIL: 'doctor@nixtag.invalid',
      GIT_COMMITTER_NAME: 'nixtag doctor',
      GIT_COMMITTER_EMAIL: 'doctor@nixtag.invalid',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  });

const BASE_DATE = '2000-01-01T00:00:00Z';

/**
 * Writes `file` (relative) in the copy `dir`, never through a symlink: a link the tree holds may
 * point anywhere, even at the user's own repository, so it is replaced by a file of its content.
 */
async function writeInCopy(dir: string, file: string, change: (content: string) => string): Promise<void> {
  const target = path.join(dir, file);
  const real = await realpath(path.dirname(target)).catch(() => undefined); // no such directory: nothing to change
  const root = await realpath(dir);
  if (real === undefined || path.relative(root, real).startsWith('..')) return;
  const content = (await readOptional(target)) ?? '';
  if ((await lstat(target).catch(() => undefined))?.isSymbolicLink()) await rm(target); // absent: a new file
  await writeFile(target, change(content));
}

/** A copy of `from` that differs only where `change` says (cp keeps .git's bytes: its index too). */
async function variant(
  scratch: string,
  id: ProbeId,
  name: string,
  from: string,
  change?: (dir: string) => Promise<unknown>,
) {
  const dir = path.join(scratch, id, name);
  await cp(from, dir, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  await change?.(dir);
  return dir;
}

/**
 * The base and its variants: each probe changes one thing CI's checkout may have otherwise than
 * this machine (the directory's name, `.git`'s content, an untracked file, the commit id, the
 * environment, the system, a manifest's bytes), so a tag that moves names the impurity.
 */
export async function planProbes(input: ProbeInput): Promise<ProbePlan> {
  const scratch = await mkdtemp(path.join(tmpdir(), DOCTOR_SCRATCH_PREFIX));
  const base = path.join(scratch, 'base', input.checkoutName);
  await mkdir(base, { recursive: true });
  await cp(input.checkout, base, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => path.basename(source) !== '.git',
  });
  const baseGit = gitIn(base, BASE_DATE);
  await baseGit(['init', '--quiet', '--initial-branch', 'main']);
  await baseGit(['add', '--all', '--force']);
  await baseGit(['commit', '--quiet', '--allow-empty', '--no-verify', '-m', 'nixtag doctor']);
  // A fetch of the repository by one of its refs (`ref = "refs/tags/v1"`) resolves in a clone that
  // has it: each at the base's commit, so that the probes see what it takes in, not a failure.
  const head = (await baseGit(['rev-parse', 'HEAD'])).trim();
  const refs = input.refs.filter((ref) => ref !== 'refs/heads/main').sort();
  if (refs.length > 0)
    await writeFile(path.join(base, '.git', 'packed-refs'), refs.map((ref) => `${head} ${ref}\n`).join(''));

  const otherName = input.checkoutName === 'nixtag-probe' ? 'source' : 'nixtag-probe';
  const { settings } = input;
  const system = input.machineSystem;
  const probes: Probe[] = [
    // The same tree again: a tag that moves here moves by itself (builtins.currentTime).
    { id: 'control', root: await variant(scratch, 'control', input.checkoutName, base) },
    { id: 'checkoutName', root: await variant(scratch, 'checkoutName', otherName, base) },
    {
      id: 'gitMetadata',
      root: await variant(scratch, 'gitMetadata', input.checkoutName, base, (dir) =>
        writeInCopy(dir, '.git/nixtag-doctor-probe', () => 'a file only this clone has\n'),
      ),
    },
    {
      id: 'untracked',
      root: await variant(scratch, 'untracked', input.checkoutName, base, (dir) =>
        Promise.all(
          [...new Set(['', ...input.imageDirectories])].map((sub) =>
            writeInCopy(dir, path.join(sub, 'nixtag-doctor-untracked'), () => 'not tracked\n'),
          ),
        ),
      ),
    },
    {
      id: 'commit',
      root: await variant(scratch, 'commit', input.checkoutName, base, (dir) =>
        gitIn(dir, '2001-01-01T00:00:00Z')(['commit', '--quiet', '--allow-empty', '--no-verify', '-m', 'another']),
      ),
    },
    { id: 'environment', root: base, env: userEnvironment() },
  ];
  if (system !== undefined) probes.push({ id: 'system', root: base, adjust: (given) => ({ ...given, system }) });
  if (input.manifests.length > 0) {
    const root = await variant(scratch, 'manifests', input.checkoutName, base, (dir) =>
      Promise.all(input.manifests.map((file) => writeInCopy(dir, file, (text) => `${text}\n# nixtag doctor probe\n`))),
    );
    probes.push({ id: 'manifests', root });
  }
  if (settings.allowImportFromDerivation) {
    probes.push({
      id: 'importFromDerivation',
      root: base,
      adjust: (given) => ({ ...given, allowImportFromDerivation: false }),
      readWrite: true,
    });
  }
  return { base, scratch, probes };
}

/**
 * What a plain `nix-instantiate` on this machine sees, except NIX_PATH and NIX_CONFIG (doctor
 * reports those apart): the user's variables and real HOME, against nixtag's scrubbed ones.
 */
function userEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  delete env.NIX_CONFIG;
  return { ...env, ...nixProcess('working').env, HOME: process.env.HOME || homedir() };
}
