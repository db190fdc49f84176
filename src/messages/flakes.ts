/** Flakes: user-facing strings (part of `messages`, src/messages.ts). */
import { cmd } from '../invocation.js';
import { list } from './shared.js';

const flakeAt = (directory: string) => (directory === '' ? '.' : `./${directory}`);

export const flakeMessages = {
  flakeFileMissing: (image: string, file: string) =>
    `Image '${image}': the flake ${file} is not in the tree (only tracked files are evaluated, as in CI's clone).`,
  flakeFileMissingHint: () =>
    'Commit flake.nix (and flake.lock), or correct `flake` for the image in the nixtag configuration.',
  flakeOutputMissing: (image: string, installable: string, tried: readonly string[]) =>
    `Image '${image}': the flake has no output ${installable} (tried ${list(tried)}).`,
  flakeOutputsAvailable: (available: {
    outputs: readonly string[];
    systems: readonly string[];
    packages: readonly string[];
    legacyPackages: readonly string[];
    system: string;
  }) =>
    [
      `  its outputs: ${available.outputs.length > 0 ? available.outputs.join(', ') : '(none)'}`,
      available.systems.length > 0 ? `  packages for: ${available.systems.join(', ')}` : undefined,
      available.packages.length > 0
        ? `  packages.${available.system}: ${available.packages.join(', ')}`
        : `  packages.${available.system}: (none)`,
      available.legacyPackages.length > 0
        ? `  legacyPackages.${available.system}: ${available.legacyPackages.join(', ')}`
        : undefined,
    ]
      .filter((line) => line !== undefined)
      .join('\n'),
  flakeOutputMissingHint: (directory: string, system: string) =>
    `Name one of them in \`flake\` (\`${flakeAt(directory)}#NAME\` for packages.${system}.NAME), or check \`system\` (${system}) in the nixtag configuration. \`nix flake show ${flakeAt(directory)}\` lists every output.`,
  flakeNotADerivation: (image: string, installable: string, kind: string, attrs: readonly string[]) =>
    `Image '${image}': the flake output ${installable} is a ${kind}, not a derivation${
      attrs.length > 0 ? ` (its attributes: ${attrs.slice(0, 12).join(', ')}${attrs.length > 12 ? ', …' : ''})` : ''
    }; \`nix eval --raw ${installable}.outPath\` has no tag to print.`,
  flakeNotADerivationHint: (installable: string) =>
    `Name the image derivation itself in \`flake\`, for example ${installable}.NAME.`,
  flakeNoImageTag: (image: string, installable: string) =>
    `Image '${image}' has tagFrom: imageTag, but the flake output ${installable} has no imageTag attribute.`,
  flakeLeafNotString: (image: string, installable: string, leaf: string, kind: string) =>
    `Image '${image}': ${installable}.${leaf} is a ${kind}, not a string; \`nix eval --raw\` would refuse it.`,
  imageTagNotHash: (image: string, tag: string) =>
    `Image '${image}' has tagFrom: imageTag, but its imageTag is '${tag}', not a Nix hash: the tag CI pushes does not follow the image's content.`,
  imageTagNotHashHint: () =>
    "Use `tagFrom: outPath` (the output path's hash, as n2k8s pushes), or let the image compute its tag (dockerTools sets imageTag to a hash when no `tag` is given).",
  flakeEvalFailed: (image: string, installable: string) =>
    `Nix could not evaluate the flake of image '${image}' (${installable}).`,
  flakeEvalFailedAll: (images: readonly string[]) => `Nix could not evaluate the flake images ${list(images)}.`,
  flakeEvalHint: () =>
    `Nix's message is above; \`nix eval --raw <installable>.outPath\` in a fresh clone shows the same. Fix the flake, then run \`${cmd('hash')}\` to see the tag.`,
  nixTooOldHint: (version: string, ci: string | null) =>
    `This Nix is ${version}; the flake may need a newer one (a flake.lock written by Nix 2.19 or later records lastModified on tarball inputs, which older versions refuse; flake-parts and friends expect current flake attributes). ${
      ci === null
        ? 'Run nixtag with the Nix version CI uses, and say which in `nixVersion` in the nixtag configuration.'
        : `CI runs Nix ${ci} (nixVersion): run nixtag with that version.`
    } nixtag does not pass what it cannot evaluate.`,
  nixNoFlakes: (version: string) =>
    `This Nix (${version || 'its version unknown'}) cannot evaluate flakes: \`nix eval\` with the nix-command and flakes features needs Nix 2.4 or later.`,
  nixNoFlakesHint: () =>
    'Install a current Nix (on Debian 12: `apt-get install -y nix-bin` gives 2.8; see https://nixos.org/download), then run the command again.',
  flakeLockUnreadable: (file: string, why: string) => `${file} is not a flake lock nixtag can read: ${why}`,
  flakeInputUnlocked: (file: string, input: string) =>
    `The flake input '${input}' is not pinned in ${file}: CI's \`nix eval\` would lock (and fetch) it anew, so nixtag cannot know what CI evaluates.`,
  flakeLockChanges: (file: string, inputs: readonly string[]) =>
    `${file} would change on evaluation (input${inputs.length === 1 ? '' : 's'} ${list(inputs)}): CI's \`nix eval\` would evaluate another lock than the committed one.`,
  flakeLockHint: () =>
    'Run `nix flake lock` with the Nix version CI uses and commit flake.lock: nixtag evaluates the committed lock as it is and never writes it.',
  flakeInputStale: (file: string, input: string, directory: string) =>
    `The flake input '${input}' in ${file} pins another content of ${directory}/ than this tree's: ${directory}/ changed and ${file} was not locked again, so CI's \`nix eval\` would not evaluate this tree's ${directory}/ with the committed lock.`,
  flakeLockedMismatch: (file: string, input: string, fields: readonly string[]) =>
    `The flake input '${input}' in ${file} is not what its lock entry fetches: its ${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} not what the source serves for it (an entry edited by hand, or merged badly). A store that holds the locked narHash's path answers without fetching (Nix 2.8); CI's empty store fetches and fails: no tag.`,
  flakeLockedField: (field: string, locked: unknown, got: unknown) =>
    `  ${field}: locked ${JSON.stringify(locked)}, fetched ${JSON.stringify(got)}`,
  flakeLockedFetchFailed: (file: string) =>
    `A locked input of ${file} could not be fetched by its lock entry, as CI's empty store fetches it.`,
  flakeLockRelockHint: () =>
    'Lock the input again with the Nix version CI uses (`nix flake lock --update-input <name>`, or `nix flake update`) and commit flake.lock; never edit its entries by hand.',
  flakeInputStaleHint: (input: string) =>
    `Run \`nix flake lock --update-input ${input}\` with the Nix version CI uses (a plain \`nix flake lock\` of Nix 2.8 keeps the old pin) and commit flake.lock.`,
  flakeInputInStore: (file: string, input: string, storePath: string) =>
    `The flake input '${input}' in ${file} is the local store path ${storePath}, which no CI machine has.`,
  flakeInputOutside: (file: string, input: string, given: string) =>
    `The flake input '${input}' in ${file} is the path ${given}, outside the repository: CI's clone does not have it.`,
  flakeInputOutsideHint: () =>
    'Point the input at something CI can fetch (a git or tarball URL, or a `path:` inside the repository), then run `nix flake lock` and commit flake.lock.',
  flakeInputMissing: (file: string, inputs: readonly string[]) =>
    `The flake input${inputs.length === 1 ? '' : 's'} ${inputs.join(', ')} (${file}) ${inputs.length === 1 ? 'is' : 'are'} locked but not in the Nix store here, and could not be fetched.`,
  flakeInputMissingHint: (directory: string) =>
    `Fetch the locked inputs once where the network reaches them: \`nix flake archive ${flakeAt(directory)}\` (it fetches exactly what flake.lock pins), then run the command again.`,
  flakeSourceInput: (where: string, construct: string) =>
    `${where} uses ${construct}, which takes in the flake's whole source: every tracked file counts as an input of its images`,
  flakeFetchFailed: (file: string) =>
    `Nix could not fetch an input of the flake (${file}), and nixtag could not tell which.`,
};
