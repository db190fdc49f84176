import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { EvalSettings } from './commandLine.js';
import { sha256Nix32 } from './nix32.js';
import { prefetchTarball, type Pin } from './pin.js';
import type { PinnedFetch } from './source/pinnedFetches.js';

/**
 * Downloads the pin's url (Nix's prefetch, unpacked under the name `source`, as `fetchTarball`
 * stores it) and compares its sha256 with the pinned one: a difference is bad input (exit 2) with
 * both figures. A store that already holds the pinned sha256's path never fetches the url (Nix 2.8),
 * so only this tells a url bumped with its sha256 kept, which CI's empty store refuses.
 */
export async function verifyPinHash(pin: Pin, displayFile: string, cwd: string, settings: EvalSettings): Promise<void> {
  const got = await prefetchTarball(pin.url, cwd, { ...settings, nixpkgs: undefined, restrict: undefined });
  if (sha256Nix32(pin.sha256) === got) return;
  throw new NixtagError('PIN_HASH_MISMATCH', messages.pinHashMismatch(displayFile), {
    location: { file: displayFile },
    detail: messages.pinSpecifiedGot(pin.sha256, got),
    hint: messages.pinHashMismatchHint(pin.url),
  });
}

/**
 * Downloads a fetch written out with its url and sha256 (source/pinnedFetches.ts) as CI's empty
 * store does and compares the sha256: a difference is PIN_HASH_MISMATCH at the fetch, with both
 * figures. The store that holds the written sha256's path answers for any url (Nix 2.8 and 2.26
 * alike, measured for `fetchTarball`), so only this tells a url bumped with its sha256 kept.
 */
export async function verifyFetchHash(fetch: PinnedFetch, cwd: string, settings: EvalSettings): Promise<void> {
  const unpack = fetch.kind === 'tarball';
  const plain = { ...settings, nixpkgs: undefined, restrict: undefined };
  const got = await prefetchTarball(fetch.url, cwd, plain, unpack);
  if (sha256Nix32(fetch.sha256) === got) return;
  const colon = fetch.at.lastIndexOf(':');
  throw new NixtagError('PIN_HASH_MISMATCH', messages.fetchHashMismatch(fetch.at), {
    location: { file: fetch.at.slice(0, colon), line: Number(fetch.at.slice(colon + 1)), column: fetch.column },
    detail: messages.pinSpecifiedGot(fetch.sha256, got),
    hint: messages.fetchHashMismatchHint(fetch.url, unpack),
  });
}
