/** Pin: user-facing strings (part of `messages`, src/messages.ts). */
import { cmd } from '../invocation.js';

export const pinMessages = {
  pinInvalid: (file: string, why: string) => `The pin file ${file} is invalid: ${why}.`,
  pinOutside: () => 'it is a symlink to a file outside the repository',
  pinNotJson: (position: string | undefined) =>
    `it is not JSON${position === undefined ? '' : ` (at byte ${position})`}`,
  pinHint: () =>
    'A pin reads {"url": "https://github.com/NixOS/nixpkgs/archive/<rev>.tar.gz", "sha256": "<nix base32>", "rev": "<40 hex>"}; `nixtag pin update` recomputes the sha256 of its url (`nix-prefetch-url --unpack URL` prints it).',
  pinSha256Expected: () => 'a sha256 in nix-base32 (52 characters), base16 (64 hex) or SRI (sha256-…) form',
  pinRevExpected: () => 'a 40-hex commit',
  pinHashMismatch: (file: string) => `The sha256 in ${file} does not match what its url serves.`,
  fetchHashMismatch: (at: string) =>
    `The sha256 at ${at} does not match what its url serves. A store that holds the written sha256's path answers without downloading (this machine's); CI's empty store downloads the url and fails (\`hash mismatch\`): no tag.`,
  fetchHashMismatchHint: (url: string, unpack: boolean) =>
    `If the url is the one you want, write the sha256 it serves (\`nix-prefetch-url ${unpack ? '--unpack ' : ''}${url}\` prints it).`,
  pinHashMismatchHint: (url: string) =>
    `If the url is the one you want, \`${cmd('pin update')}\` writes the sha256 it serves (\`nix-prefetch-url --unpack ${url}\` prints it).`,

  pinBadFields: (fields: readonly string[]) =>
    `bad field${fields.length === 1 ? '' : 's'} ${fields.map((field) => `'${field}'`).join(', ')}`,
  pinRevMismatch: (file: string, rev: string, inUrl: string) =>
    `${file}: 'rev' is ${rev}, but its url downloads ${inUrl}.`,
  pinRevMismatchHint: () => 'Run `nixtag pin update --rev <commit>` to rewrite url, rev and sha256 together.',
  pinMissing: (file: string) => `There is no pin file ${file}.`,
  pinMissingHint: () =>
    'Create it with `nixtag pin update --rev <nixpkgs commit>` (or `--url <tarball url>`); without a pin, `<nixpkgs>` cannot resolve.',
  pinFetchFailed: (url: string) => `Nix could not download and unpack ${url}.`,
  pinFetchFailedHint: () => "Nix's message is above; check the url and the network, then run the command again.",
  pinUpdateNeedsSource: (file: string) => `${file} does not exist yet: give --rev <commit> or --url <tarball url>.`,
  pinRevFormat: (rev: string) => `--rev takes a 40-hex commit id, not '${rev}'.`,
  pinRevUrlDisagree: (rev: string, inUrl: string) => `--rev ${rev} and --url (which names ${inUrl}) disagree.`,
  pinOptionsNeedUpdate: () => '--rev and --url belong to `nixtag pin update`.',
  optionNeedsValue: (option: string) => `${option} needs a value.`,
  unknownPinAction: (action: string) =>
    action === ''
      ? 'pin needs an action: show, verify or update.'
      : `There is no 'pin ${action}'; pin has show, verify and update.`,
  pinField: (name: string, value: string) => `  ${`${name}:`.padEnd(8)}${value}`,
  pinVerified: (file: string, sha256: string) => `${file}: the url serves the pinned sha256 (${sha256}).`,
  pinUpdated: (file: string, changed: boolean) => `${file}: ${changed ? 'updated' : 'unchanged'}.`,
  pinNotStaged: (file: string) =>
    `Stage it with \`git add ${file}\`: the hooks judge, and CI builds with, the pin that is committed, not the one on disk.`,
  pinSpecifiedGot: (specified: string, got: string) => `  specified: sha256:${specified}\n  got:       sha256:${got}`,
};
