import { homedir } from 'node:os';
import path from 'node:path';

/** Variables that say where the store is and how to reach it, never what is evaluated. */
const PASSED_THROUGH = [
  'PATH',
  'NIX_REMOTE',
  'NIX_STORE_DIR',
  'NIX_STATE_DIR',
  'NIX_LOG_DIR',
  'NIX_CONF_DIR',
  'NIX_SSL_CERT_FILE',
  'SSL_CERT_FILE',
  'http_proxy',
  'https_proxy',
  'all_proxy',
  'no_proxy',
];

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

/** What builtins.getEnv "HOME" sees: the value Nix's own builders use, the same on every machine. */
const EVAL_HOME = '/homeless-shelter';

/**
 * The environment Nix evaluates in: scrubbed so that `builtins.getEnv` cannot differ between a
 * laptop and CI, with no NIX_PATH or NIX_CONFIG leaking in from the user's shell. HOME is fixed, so
 * the user's ~/.config/nix/nix.conf is not read; XDG_CACHE_HOME keeps fetchTarball's download cache
 * in the user's real cache directory.
 */
export function nixEnvironment(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH = nixSearchPath(source);
  env.HOME = EVAL_HOME;
  env.NIX_PATH = '';
  env.XDG_CACHE_HOME = source.XDG_CACHE_HOME || path.join(source.HOME || homedir(), '.cache');
  return env;
}
