import path from 'node:path';
import { isNixtagError } from '../errors.js';
import type { EvalSettings } from '../nix/commandLine.js';
import { refusedBy } from '../nix/nixInstantiate.js';

/**
 * What Nix parsed outside `root`: a store path by its top directory (nixpkgs, a fetched source),
 * any other file as it is; Nix's own files (`<nix/…>`) are not listed.
 */
function filesOutside(files: readonly string[], root: string, storeDir: string): string[] {
  const outside = new Set<string>();
  for (const file of files) {
    if (!path.isAbsolute(file)) continue;
    const relative = path.relative(root, file);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) continue;
    const inStore = path.relative(storeDir, file);
    const top = inStore.startsWith('..') || path.isAbsolute(inStore) ? undefined : inStore.split(path.sep)[0];
    outside.add(top === undefined ? file : path.join(storeDir, top));
  }
  return [...outside];
}

/** Refusals followed before the listing stops (each one is an evaluation). */
const MAX_REFUSALS = 20;

type Restrict = NonNullable<EvalSettings['restrict']>;

/**
 * Every path and URL beyond what `confined` allows (the checkout, the store, the pin's URL and
 * `allowedUris`) that an unconfined evaluation reads: found by evaluating confined, and each time
 * Nix refuses a read, allowing that one and evaluating again. Nix logs the files it parses, not
 * the ones it reads (`readFile`, a path copied to the store, a `file://` fetch), so confinement
 * is the one witness of those (`pathExists` it answers false, refusing nothing: that one goes
 * unseen). Stops at the first failure that is not a refusal (the base evaluation says what it is).
 */
async function refusedReads(
  settings: EvalSettings,
  confined: Restrict,
  evaluate: (settings: EvalSettings) => Promise<unknown>,
): Promise<string[]> {
  const readable: string[] = [];
  const uris = [...confined.allowedUris];
  const refusals: string[] = [];
  while (refusals.length < MAX_REFUSALS) {
    const restrict = { ...confined, allowedUris: uris, readable };
    const refused = await evaluate({ ...settings, restrict }).then(
      () => undefined,
      (error: unknown) => (isNixtagError(error) && error.code === 'NIX_RESTRICTED' ? refusedBy(error) : undefined),
    );
    if (refused === undefined) return refusals;
    const [list, value] = 'path' in refused ? [readable, refused.path] : [uris, refused.uri];
    if (list.includes(value)) return refusals;
    list.push(value);
    refusals.push(value);
  }
  return [...refusals, '…'];
}

/**
 * What an image's evaluation reads outside the repository `checkout`: the files Nix parsed there
 * (the pin's marked as such), and for an image evaluated unconfined (`restrictEval: false`) every
 * path and URL that confinement would refuse. Confined, nothing else can be read.
 */
export async function readsOutside(options: {
  checkout: string;
  /** As the image is evaluated. */
  settings: EvalSettings;
  /** As confinement would evaluate it; undefined: only the parsed files are listed. */
  confined: Restrict | undefined;
  /** The files the evaluation with `settings` parsed. */
  parsed: readonly string[];
  evaluate: (settings: EvalSettings) => Promise<unknown>;
}): Promise<string[]> {
  const { checkout, settings } = options;
  const parsed = filesOutside(options.parsed, checkout, process.env.NIX_STORE_DIR || '/nix/store').map((read) =>
    read === settings.nixpkgs ? `${read} (<nixpkgs>: the pin)` : read,
  );
  const { confined } = options;
  const refused =
    settings.restrict === undefined && confined !== undefined
      ? await refusedReads(settings, confined, options.evaluate)
      : [];
  return [...new Set([...parsed, ...refused])].sort();
}
