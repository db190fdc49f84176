import { realpathSync } from 'node:fs';
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

interface RestrictSettings {
  /** The checked-out tree: the one directory outside the store an expression may read. */
  checkout: string;
  /** URL prefixes an expression may fetch: the pin's URL and evaluation.allowedUris. */
  allowedUris: readonly string[];
  /** Set by the command line (`--restrict-eval`, `--ci`): the configuration cannot widen it. */
  enforced?: boolean | undefined;
  /** More paths an expression may read: only doctor's listing of what an unconfined image reads. */
  readable?: readonly string[] | undefined;
}

/**
 * restrict-eval: paths only under the `-I` entries (the checkout, the store; named so that no
 * `<…>` lookup changes), URLs only under `allowed-uris`. `builtins.fetchGit ./.` asks for
 * `git+file://<checkout>?…`, which Nix 2.26 matches against allowed-uris only as a prefix that
 * ends in `/` (2.8 checks it as a path): the checkout's parent, a directory nixtag owns, is allowed.
 */
/** The checkout's path with symlinks resolved; as given when it cannot be resolved. */
function realCheckout(checkout: string): string {
  try {
    return realpathSync(checkout);
  } catch {
    return checkout;
  }
}

function restrictOptions(restrict: RestrictSettings, source: NodeJS.ProcessEnv): string[] {
  const store = source.NIX_STORE_DIR || '/nix/store';
  // Nix resolves symlinks before it checks a path: a checkout reached through a link
  // (tree/urlSafePath.ts) is allowed where it really is, too.
  const real = realCheckout(restrict.checkout);
  const checkouts = real === restrict.checkout ? [restrict.checkout] : [restrict.checkout, real];
  const uris = [...restrict.allowedUris, ...checkouts.map((checkout) => `git+file://${path.dirname(checkout)}/`)];
  return [
    '--option',
    'restrict-eval',
    'true',
    ...checkouts.flatMap((checkout) => ['-I', `nixtag-checkout=${checkout}`]),
    '-I',
    `nixtag-store=${store}`,
    ...(restrict.readable ?? []).flatMap((readable) => ['-I', `nixtag-readable=${readable}`]),
    '--option',
    'allowed-uris',
    uris.join(' '),
  ];
}

/**
 * Settings of the machine's nix.conf (`/etc/nix`, NIX_CONF_DIR; HOME is fixed, so not the user's)
 * that change what an expression evaluates to, set back to what a CI machine without them has:
 * `eval-system` (Nix >= 2.17 answers `builtins.currentSystem` with it, not `system`; older Nix
 * ignores it silently), `nix-path` and `extra-nix-path` (`<nixpkgs>` resolved from the machine's
 * channel; `-I` entries still count), `allow-unsafe-native-code-during-evaluation`
 * (`builtins.exec`), and for flakes `accept-flake-config` (a flake's own `nixConfig`). Measured on
 * 2.8 and 2.26 in test/integration/nix-config.test.ts.
 */
function machineSettingsOff(system: string, program: 'nix-instantiate' | 'nix'): string[] {
  const off = [
    ...['--option', 'eval-system', system],
    ...['--option', 'nix-path', ''],
    ...['--option', 'allow-unsafe-native-code-during-evaluation', 'false'],
  ];
  // nix-instantiate 2.26 warns about the setting when flakes are not enabled.
  if (program === 'nix') off.push('--option', 'accept-flake-config', 'false');
  return off;
}

/**
 * Command-line options that pin what an evaluation can depend on. `nix eval` (flakes) takes the
 * same settings except nix-instantiate's own flags (`--read-write-mode`, `-I`).
 */
export function nixOptions(
  settings: EvalSettings,
  source: NodeJS.ProcessEnv = process.env,
  program: 'nix-instantiate' | 'nix' = 'nix-instantiate',
): string[] {
  const options = ['--option', 'system', settings.system, ...machineSettingsOff(settings.system, program)];
  if (settings.restrict !== undefined) options.push(...restrictOptions(settings.restrict, source));
  if (settings.allowImportFromDerivation) {
    // Import-from-derivation needs builds, which read-only evaluation cannot do.
    options.push('--option', 'allow-import-from-derivation', 'true');
    if (program === 'nix-instantiate') options.push('--read-write-mode');
  } else {
    // An offline read-only evaluation that misses a path would otherwise stall asking caches.
    options.push('--option', 'allow-import-from-derivation', 'false');
    options.push('--option', 'substituters', '');
  }
  if (settings.nixpkgs !== undefined) options.push('-I', `nixpkgs=${settings.nixpkgs}`);
  return options;
}

/**
 * Evaluates a batch of images (see expression.ts) and prints the result as JSON. `-vv` makes Nix
 * name every file it parses (`evaluating file '…'`, on 2.8 and current versions alike): part of
 * what the evaluation's inputs are (nix/source/inputs.ts). `writesStore`: read-write, as CI's
 * nix-instantiate is, for an expression that imports what it writes to the store
 * (`import (builtins.toFile …)`, a copied path); builds stay refused unless allowed.
 */
export function evaluationArgs(
  settings: EvalSettings,
  batch: BatchExpression,
  diagnostics?: Diagnostics,
  writesStore = false,
): string[] {
  const extra = diagnostics === undefined ? [] : ['--show-trace'];
  if ((diagnostics?.readWrite || writesStore) && !settings.allowImportFromDerivation) extra.push('--read-write-mode');
  return ['--eval', '--strict', '--json', '-vv', ...nixOptions(settings), ...extra, ...batch.cliArgs, '-E', batch.text];
}

/** Flakes and the `nix` command, which Nix 2.4 to current releases keep behind this setting. */
const FLAKE_FEATURES = ['--extra-experimental-features', 'nix-command flakes'];

/**
 * `nix eval` of a batch of flake images (flakeExpression.ts), with the settings nix-instantiate
 * gets here: the system, no import-from-derivation unless allowed, no substituters (an offline
 * evaluation on 2.26 otherwise stalls about 8 s asking the binary cache). Not restrict-eval: a
 * flake is evaluated in pure mode, which confines it already (no absolute paths, no environment,
 * no unlocked fetches), and restrict-eval would refuse its locked `file://` inputs. The lock is
 * read, never updated or written; `-vv` names every file Nix parses, as for nix-instantiate.
 */
export function flakeEvaluationArgs(settings: EvalSettings, expression: string): string[] {
  const options = nixOptions({ ...settings, restrict: undefined, nixpkgs: undefined }, process.env, 'nix');
  return [
    ...FLAKE_FEATURES,
    'eval',
    '--json',
    '-vv',
    '--no-update-lock-file',
    '--no-write-lock-file',
    ...options,
    '--expr',
    expression,
  ];
}

/**
 * `nix eval` of `expression`, which fetches flake inputs by their lock entries (lockedInputs.ts):
 * impure, as a fetch without its narHash is refused in pure mode; no substituters, as for
 * evaluation. Only nixtag's own expression runs so.
 */
export function lockedInputArgs(settings: EvalSettings, expression: string, fresh = false): string[] {
  const options = nixOptions({ ...settings, restrict: undefined, nixpkgs: undefined }, process.env, 'nix');
  // `fresh` (check --no-cache): Nix's own tarball cache (an hour) must not answer for a url that
  // moved (adv15 F16); otherwise it may, so that a locked input fetched once checks offline.
  const ttl = fresh ? ['--option', 'tarball-ttl', '0'] : [];
  return [...FLAKE_FEATURES, 'eval', '--json', '--impure', ...options, ...ttl, '--expr', expression];
}

/** `nix-store --check-validity --print-invalid`: which of `paths` this store lacks. */
export function invalidPathsArgs(paths: readonly string[]): string[] {
  return ['--check-validity', '--print-invalid', ...paths];
}

/**
 * What `nixtag doctor` adds to an evaluation: `--show-trace` for the positions of an error, and
 * `readWrite` (when import-from-derivation is refused) so that an expression that needs it
 * reaches Nix's own refusal, naming the option, instead of a `.drv` read-only evaluation never
 * wrote.
 */
export interface Diagnostics {
  readWrite?: boolean;
}

/** The machine's own system, as a plain `nix-instantiate` here would evaluate for. */
export function machineSystemArgs(): string[] {
  return ['--eval', '--json', '-E', 'builtins.currentSystem'];
}

export function versionArgs(): string[] {
  return ['--version'];
}

/**
 * `nix-prefetch-url --unpack`: downloads a tarball, unpacks it and prints the sha256 that
 * `fetchTarball` checks, storing it under fetchTarball's name (`source`) so that evaluation finds
 * it there. The same pinning options as evaluation (system, no substituters). Not `unpack`: the
 * file's own sha256, as `builtins.fetchurl` checks it.
 */
export function prefetchArgs(settings: EvalSettings, url: string, unpack = true): string[] {
  const unpacked = unpack ? ['--unpack', '--name', 'source'] : [];
  return [...nixOptions({ ...settings, nixpkgs: undefined }), '--type', 'sha256', ...unpacked, url];
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
