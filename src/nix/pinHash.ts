import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { EvalSettings } from './commandLine.js';
import { sha256Nix32 } from './nix32.js';
import { prefetchTarball, type Pin } from './pin.js';

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
