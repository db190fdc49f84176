import path from 'node:path';
import type { BatchExpression } from './expression.js';

/**
 * Every nix-instantiate command line nixtag runs is built here: the image evaluation and the
 * pin's fetch, both with the same pinning options (the configured system, no import-from-
 * derivation unless allowed, `<nixpkgs>` mapped to the pin).
 */
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

/** Evaluates a batch of images (see expression.ts) and prints the result as JSON. */
export function evaluationArgs(settings: EvalSettings, batch: BatchExpression): string[] {
  return ['--eval', '--strict', '--json', ...nixOptions(settings), ...batch.cliArgs, '-E', batch.text];
}

/** Prints the store path of a fetched tarball (the pin's nixpkgs); fetchTarball checks the sha256. */
export function fetchTarballArgs(settings: EvalSettings, url: string, sha256: string): string[] {
  return [
    '--eval',
    '--json',
    ...nixOptions({ ...settings, nixpkgs: undefined, restrict: undefined }),
    '--argstr',
    'url',
    url,
    '--argstr',
    'sha256',
    sha256,
    '-E',
    '{ url, sha256 }: builtins.fetchTarball { inherit url sha256; }',
  ];
}
