import { accessSync, constants, lstatSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Where Nix's installers put nix-instantiate: the multi-user and single-user profiles and NixOS.
 * Git GUIs run hooks with a minimal PATH, so these are searched after PATH.
 */
export function nixInstallPlaces(source: NodeJS.ProcessEnv = process.env): string[] {
  const home = source.HOME || homedir();
  return [
    '/nix/var/nix/profiles/default/bin',
    path.join(home, '.nix-profile', 'bin'),
    path.join(home, '.local', 'state', 'nix', 'profile', 'bin'),
    '/run/current-system/sw/bin',
  ];
}

/** PATH, then the places Nix's installers use: where nix-instantiate is looked for. */
export function nixSearchPath(source: NodeJS.ProcessEnv = process.env): string {
  return [source.PATH ?? '', ...nixInstallPlaces(source)].filter(Boolean).join(path.delimiter);
}

/** The first executable `name` in the directories of `searchPath`, or undefined. */
export function findProgram(name: string, searchPath: string): string | undefined {
  for (const directory of searchPath.split(path.delimiter)) {
    if (!directory) continue;
    const candidate = path.join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** What builtins.getEnv "HOME" sees: the value Nix's own builders use, the same on every machine. */
const EVAL_HOME = '/homeless-shelter';

/**
 * PATH for an evaluation that can read it: the same on every machine. Nix runs git from it
 * (`builtins.fetchGit`), and the programs a Nix wrapper needs are in these directories.
 */
const FIXED_PATH = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
  '/nix/var/nix/profiles/default/bin',
  '/run/current-system/sw/bin',
].join(path.delimiter);

/** XDG_CACHE_HOME for an evaluation that can read it (Nix keeps its fetchers' cache there). */
const FIXED_CACHE = '/tmp/nixtag-nix-cache';

/** The CA bundle Nix finds by itself when no variable names one (Nix 2.8 and current). */
const DEFAULT_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';

/** Variables that say which Nix installation evaluates (its store, state and configuration). */
const INSTALLATION = ['NIX_STORE_DIR', 'NIX_STATE_DIR', 'NIX_LOG_DIR', 'NIX_CONF_DIR'];

/** What Nix needs to fetch: reaching its daemon, certificates, proxies. */
const WORKING = [
  'NIX_REMOTE',
  'NIX_SSL_CERT_FILE',
  'SSL_CERT_FILE',
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'no_proxy',
];

/** A directory of this user's alone (not a link, not writable by others), made when absent. */
function privateDirectory(directory: string): boolean {
  try {
    mkdirSync(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  try {
    const stat = lstatSync(directory);
    return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

let fixedCache: string | undefined;

/**
 * The fetchers' cache of an evaluation that can read XDG_CACHE_HOME: the same path on every
 * machine, or where another user holds it, one named by this user's id; failing both, the
 * user's own cache directory.
 */
function fixedCacheHome(source: NodeJS.ProcessEnv): string {
  fixedCache ??= [FIXED_CACHE, `${FIXED_CACHE}-${process.getuid?.() ?? 'user'}`].find(privateDirectory);
  return fixedCache ?? source.XDG_CACHE_HOME ?? path.join(source.HOME || homedir(), '.cache');
}

/** PATH for such an evaluation: the fixed one, and git's own directory when git is elsewhere. */
function fixedPath(source: NodeJS.ProcessEnv): string {
  if (findProgram('git', FIXED_PATH) !== undefined) return FIXED_PATH;
  const git = findProgram('git', nixSearchPath(source));
  return git === undefined ? FIXED_PATH : [FIXED_PATH, path.dirname(git)].join(path.delimiter);
}

/** How a Nix process runs: its environment and the options that stand for variables it drops. */
export interface NixProcess {
  env: Record<string, string>;
  options: string[];
}

/**
 * The environment Nix runs in, with no NIX_PATH or NIX_CONFIG leaking in from the user's shell,
 * HOME fixed (so no ~/.config/nix/nix.conf is read, and `~/x` means the same everywhere), and
 * nothing else of the caller's but what Nix needs.
 *
 * - `working`: for a run in which no expression of the repository can read the environment
 *   (restrict-eval makes `builtins.getEnv` read "", and nixtag's own fetch of the pin): Nix gets
 *   the caller's PATH (and where Nix is installed), proxies, certificates and cache directory.
 * - `fixed`: for an unconfined evaluation, whose `builtins.getEnv` reads every variable Nix
 *   gets: each has the same value on every machine. PATH and XDG_CACHE_HOME are fixed, NIX_REMOTE
 *   becomes `--option store`, the certificates are Nix's default bundle, and proxies are not
 *   passed. Only where a machine cannot give the fixed value does the caller's count: git outside
 *   the fixed PATH (its directory is added), another user's fetchers' cache, no default bundle
 *   (the certificate variables pass), the installation's NIX_*_DIR.
 */
export function nixProcess(mode: 'working' | 'fixed', source: NodeJS.ProcessEnv = process.env): NixProcess {
  const env: Record<string, string> = {};
  const pass = (names: readonly string[]) => {
    for (const name of names) {
      const value = source[name];
      if (value !== undefined) env[name] = value;
    }
  };
  pass(INSTALLATION);
  env.HOME = EVAL_HOME;
  env.NIX_PATH = '';
  if (mode === 'working') {
    pass(WORKING);
    env.PATH = nixSearchPath(source);
    env.XDG_CACHE_HOME = source.XDG_CACHE_HOME || path.join(source.HOME || homedir(), '.cache');
    return { env, options: [] };
  }
  env.PATH = fixedPath(source);
  env.XDG_CACHE_HOME = fixedCacheHome(source);
  if (!isFile(DEFAULT_CA_FILE)) pass(['NIX_SSL_CERT_FILE', 'SSL_CERT_FILE']);
  return { env, options: source.NIX_REMOTE ? ['--option', 'store', source.NIX_REMOTE] : [] };
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
