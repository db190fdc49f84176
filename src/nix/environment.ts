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

/** What builtins.getEnv "HOME" sees: the value Nix's own builders use, the same on every machine. */
export const EVAL_HOME = '/homeless-shelter';

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
  env.HOME = EVAL_HOME;
  env.NIX_PATH = '';
  env.XDG_CACHE_HOME = source.XDG_CACHE_HOME || path.join(source.HOME || homedir(), '.cache');
  return env;
}

export interface EvalSettings {
  system: string;
  allowImportFromDerivation: boolean;
  /** Store path or directory that `<nixpkgs>` resolves to, from the pin file. */
  nixpkgs?: string | undefined;
  /** Nix's restrict-eval, when the configuration asks for it (evaluation.restrictEval). */
  restrict?: RestrictSettings | undefined;
}

export interface RestrictSettings {
  /** The checked-out tree: the one directory outside the store an expression may read. */
  checkout: string;
  /** URL prefixes an expression may fetch: the pin's URL and evaluation.allowedUris. */
  allowedUris: readonly string[];
}

/**
 * restrict-eval: paths only under the `-I` entries (the checkout, the store; named so that no
 * `<…>` lookup changes), URLs only under `allowed-uris`. `builtins.fetchGit ./.` asks for
 * `git+file://<checkout>?…`, which Nix 2.26 matches against allowed-uris only as a prefix that
 * ends in `/` (2.8 checks it as a path): the checkout's parent, a directory nixtag owns, is allowed.
 */
function restrictOptions(restrict: RestrictSettings, source: NodeJS.ProcessEnv): string[] {
  const store = source.NIX_STORE_DIR || '/nix/store';
  const uris = [...restrict.allowedUris, `git+file://${path.dirname(restrict.checkout)}/`];
  return [
    '--option',
    'restrict-eval',
    'true',
    '-I',
    `nixtag-checkout=${restrict.checkout}`,
    '-I',
    `nixtag-store=${store}`,
    '--option',
    'allowed-uris',
    uris.join(' '),
  ];
}

/** Command-line options that pin what an evaluation can depend on. */
export function nixOptions(settings: EvalSettings, source: NodeJS.ProcessEnv = process.env): string[] {
  const options = ['--option', 'system', settings.system];
  if (settings.restrict !== undefined) options.push(...restrictOptions(settings.restrict, source));
  if (settings.allowImportFromDerivation) {
    // Import-from-derivation needs builds, which read-only evaluation cannot do.
    options.push('--option', 'allow-import-from-derivation', 'true', '--read-write-mode');
  } else {
    // An offline read-only evaluation that misses a path would otherwise stall asking caches.
    options.push('--option', 'allow-import-from-derivation', 'false');
    options.push('--option', 'substituters', '');
  }
  if (settings.nixpkgs !== undefined) options.push('-I', `nixpkgs=${settings.nixpkgs}`);
  return options;
}
