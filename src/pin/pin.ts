import path from 'node:path';
import { NixtagError } from '../errors.js';
import { git } from '../git/git.js';
import { inRepository, openRepository, type Repository } from '../git/repository.js';
import { writeFileAtomically } from '../manifest/write.js';
import { messages } from '../messages.js';
import { journalWrites } from '../state/writeJournal.js';
import type { EvalSettings } from '../nix/commandLine.js';
import { verifyPinHash } from '../nix/pinHash.js';
import {
  checkedPin,
  checkPinConsistent,
  pinSchema,
  pinUpdateSchemas,
  prefetchTarball,
  readPin,
  readPinFields,
  revisionInUrl,
  type Pin,
  type PinFields,
} from '../nix/pin.js';

export interface PinRequest {
  cwd: string;
  configFile?: string | undefined;
}

export interface PinUpdateRequest extends PinRequest {
  rev?: string | undefined;
  url?: string | undefined;
}

export interface PinResult {
  /** The pin file, relative to the repository root. */
  file: string;
  pin: Pin;
}

export interface PinUpdateResult extends PinResult {
  changed: boolean;
  /** The pin on disk is the one staged (else the commit, and CI, would read another). */
  staged: boolean;
}

const NIXPKGS_ARCHIVE = (rev: string) => `https://github.com/NixOS/nixpkgs/archive/${rev}.tar.gz`;

/** The pin file named by the working tree's configuration, and how Nix fetches for it. */
async function pinContext(request: PinRequest) {
  const repository = await openRepository(request.cwd);
  const { loadConfig, readExplicitConfig } = await import('../config/load.js');
  const explicit =
    request.configFile === undefined ? undefined : await readExplicitConfig(request.cwd, request.configFile);
  const { config } = await loadConfig(repository.root, explicit);
  const settings: EvalSettings = { system: config.system, allowImportFromDerivation: config.allowImportFromDerivation };
  const absolute = path.join(repository.root, config.pin);
  return { repository, root: repository.root, gitDir: repository.gitDir, file: config.pin, absolute, settings };
}

/**
 * Whether the pin file in the working tree is what the index holds: hooks and CI read the pin
 * that is staged and committed, not the one on disk.
 */
async function pinStaged(repository: Repository, file: string): Promise<boolean> {
  const status = await git(['status', '--porcelain=v1', '-z', '--', file], inRepository(repository));
  return status === '' || status[1] === ' ';
}

async function requirePin(file: string, absolute: string, root: string): Promise<Pin> {
  const pin = await readPin(absolute, file, root);
  if (pin === undefined) {
    throw new NixtagError('PIN_MISSING', messages.pinMissing(file), {
      location: { file },
      hint: messages.pinMissingHint(),
    });
  }
  checkPinConsistent(pin, file);
  return pin;
}

/** `nixtag pin show`: the pin, validated (exit 2 naming a bad field). */
export async function pinShow(request: PinRequest): Promise<PinResult> {
  const { root, file, absolute } = await pinContext(request);
  return { file, pin: await requirePin(file, absolute, root) };
}

/**
 * `nixtag pin verify`: downloads the url with Nix's prefetch and compares the unpacked sha256
 * with the pinned one; a difference is bad input (exit 2) with both figures, as Nix prints them.
 */
export async function pinVerify(request: PinRequest): Promise<PinResult> {
  const { root, file, absolute, settings } = await pinContext(request);
  const pin = await requirePin(file, absolute, root);
  await verifyPinHash(pin, file, root, settings);
  return { file, pin };
}

/**
 * Which url and rev an update pins: `--url` as given, `--rev` in the current url's place, else the
 * current url again. Only the fields it reads must be valid: an update is how a pin whose sha256
 * (or whose rev, without --rev) is wrong gets repaired.
 */
function target(
  current: PinFields | undefined,
  request: PinUpdateRequest,
  file: string,
): { url: string; rev?: string } {
  const { rev, url } = request;
  if (rev !== undefined && !/^[0-9a-f]{40}$/.test(rev)) throw new NixtagError('USAGE', messages.pinRevFormat(rev));
  if (url !== undefined) {
    const named = revisionInUrl(url);
    if (rev !== undefined && named !== undefined && named !== rev) {
      throw new NixtagError('USAGE', messages.pinRevUrlDisagree(rev, named));
    }
    const pinned = rev ?? named;
    return pinned === undefined ? { url } : { url, rev: pinned };
  }
  if (rev !== undefined) {
    if (current === undefined) return { url: NIXPKGS_ARCHIVE(rev), rev };
    const pinned = checkedPin(pinUpdateSchemas.urlAndRev, current, file);
    const old = pinned.rev ?? revisionInUrl(pinned.url);
    const followed = old !== undefined && pinned.url.includes(old) ? pinned.url.replaceAll(old, rev) : undefined;
    return { url: followed ?? NIXPKGS_ARCHIVE(rev), rev };
  }
  if (current === undefined) throw new NixtagError('USAGE', messages.pinUpdateNeedsSource(file));
  const { url: currentUrl } = checkedPin(pinUpdateSchemas.url, current, file);
  const named = revisionInUrl(currentUrl);
  return named === undefined ? { url: currentUrl } : { url: currentUrl, rev: named };
}

/** The new pin keeps the file's other fields (branch, niv's extras) and their order; they must be valid. */
function updatedPin(
  current: PinFields | undefined,
  url: string,
  sha256: string,
  rev: string | undefined,
  file: string,
): Pin {
  const next: PinFields = { ...current, url, sha256 };
  if (rev === undefined) delete next.rev;
  else next.rev = rev;
  return checkedPin(pinSchema, next, file);
}

/** The pin file's fields as written (an object: an update keeps them), unchecked; undefined without one. */
async function pinFieldsOf(absolute: string, file: string, root: string): Promise<PinFields | undefined> {
  const fields = await readPinFields(absolute, file, root);
  return fields === undefined ? undefined : checkedPin(pinUpdateSchemas.fields, fields, file);
}

/**
 * `nixtag pin update [--rev REV] [--url URL]`: computes the sha256 with Nix's own prefetch and
 * writes the pin file atomically (a temporary file renamed over it): the old pin or the new,
 * never half of one. Without options it re-prefetches the current url. A malformed sha256 is no
 * obstacle: it is what an update recomputes.
 */
export async function pinUpdate(request: PinUpdateRequest): Promise<PinUpdateResult> {
  const { repository, root, gitDir, file, absolute, settings } = await pinContext(request);
  const current = await pinFieldsOf(absolute, file, root);
  const { url, rev } = target(current, request, file);
  const sha256 = await prefetchTarball(url, root, settings);
  const pin = updatedPin(current, url, sha256, rev, file);
  const text = `${JSON.stringify(pin, null, 2)}\n`;
  const changed = JSON.stringify(pin) !== JSON.stringify(current);
  if (changed) {
    // Journaled as fix's writes are: a temporary file a kill leaves is found by the next run.
    const done = journalWrites(gitDir, [path.dirname(absolute)]);
    try {
      writeFileAtomically(absolute, text, { createMode: 0o644 });
    } finally {
      done();
    }
  }
  return { file, pin, changed, staged: await pinStaged(repository, file) };
}
