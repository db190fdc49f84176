/** Nix: user-facing strings (part of `messages`, src/messages.ts). */
import { cmd } from '../invocation.js';
import { list } from './shared.js';

export const nixMessages = {
  nixMissing: (places: readonly string[], program = 'nix-instantiate') =>
    `Nix is not installed here: ${program} is neither on PATH nor in ${places.join(', ')}. nixtag needs it to compute the tag CI will push.`,
  nixInstallHint: () =>
    'Install Nix (on Debian: `apt-get install -y nix-bin`; elsewhere see https://nixos.org/download), then run the command again. If you build no images, commit with `NIXTAG_SKIP=1 git commit …`, or let the team set `whenNixMissing: warn` in the nixtag configuration.',
  nixMissingWarned: (count: number) =>
    `Nix is not installed here, so ${count} image reference${count === 1 ? ' was' : 's were'} not checked (whenNixMissing: warn). CI will check them; install Nix to check them before you push.`,
  nixEvalFailed: (directory: string) =>
    `Nix could not evaluate the image expression (in ${directory === '.' ? 'the repository root' : directory}).`,
  nixEvalFailedFor: (image: string, file: string) => `Nix could not evaluate image '${image}' (${file}).`,
  nixEvalHint: () =>
    `Nix's message is above. CI's pipeline would print an empty tag here; fix the expression, then run \`${cmd('hash')}\` to see the tag.`,
  shallowClone: (failed: string) =>
    `${failed} Nix failed on git, and this clone is shallow (\`git clone --depth …\`): an expression that reads the history (\`builtins.fetchGit ./.\`'s revCount) counts commits this clone does not have, which CI's full clone has. The expression may well be right.`,
  shallowCloneHint: () =>
    'Run `git fetch --unshallow` (it fetches the rest of the history), then run the command again; in CI, clone with the whole history (`fetch-depth: 0`, `GIT_DEPTH: 0`).',
  nixTimeout: (images: string, directory: string, seconds: number) =>
    `Nix did not finish evaluating ${images ? `image ${images}` : 'the image expression'} (in ${directory}) within ${seconds} s and was stopped.`,
  nixTimeoutHint: () =>
    'An expression that never ends (infinite recursion, a fetch that hangs) or a very large evaluation: raise `evaluation.timeout` (seconds) in the nixtag configuration if it is only slow.',
  nixMemoryLimit: (images: string, directory: string, megabytes: number) =>
    `Nix ran out of memory evaluating ${images ? `image ${images}` : 'the image expression'} (in ${directory}): the limit is ${megabytes} MiB.`,
  nixMemoryLimitHint: () => 'Raise `evaluation.memoryLimit` (MiB) in the nixtag configuration, or remove it.',
  restrictedPath: (images: string, file: string) =>
    `With evaluation.restrictEval, ${images ? `image ${images}` : 'the expression'} may read only the checked-out tree, the Nix store and the pin, but it read ${file}.`,
  restrictedPathHint: (enforced: boolean) =>
    enforced
      ? 'Confinement is on from the command line (--ci or --restrict-eval), whatever the configuration says: keep what the expression reads inside the repository (a `file://` tarball it fetches is allowed by `--allow-uri file:///…/`).'
      : 'Confinement is on by default. Keep what the expression reads inside the repository (a `file://` tarball it fetches is allowed by its URL in `evaluation.allowedUris`); if it must read files elsewhere on this machine, set `evaluation.restrictEval: false` in the nixtag configuration (`evaluation:` then `  restrictEval: false` in .nixtagrc.yaml; a run with --ci keeps it on).',
  restrictedUri: (images: string, uri: string, enforced: boolean) =>
    `With evaluation.restrictEval, ${images ? `image ${images}` : 'the expression'} may fetch only the pin's URL and ${enforced ? 'the `--allow-uri` prefixes' : '`evaluation.allowedUris`'}, but it fetched ${uri}.`,
  restrictedUriHint: (uri: string, enforced: boolean) => {
    const prefix = uri.replace(/[?#].*$/, '');
    if (uri.startsWith('git+file:'))
      return enforced
        ? 'A local git repository or file outside the checkout cannot be allowed; `builtins.fetchGit ./.` of the checkout itself is.'
        : 'A local git repository or file outside the checkout cannot be allowed; `builtins.fetchGit ./.` of the checkout itself is. Set `evaluation.restrictEval: false` in the nixtag configuration to allow it.';
    return enforced
      ? `Confinement is on from the command line (--ci or --restrict-eval), and only the command line allows URLs: add \`--allow-uri ${prefix}\` (in the Tekton Tasks, the allowed-uris param); the configuration's evaluation.allowedUris do not count.`
      : `Add the URL (or a prefix of it ending in /) to \`evaluation.allowedUris\` in the nixtag configuration if the expression may fetch it: allowedUris: ["${prefix}"]`;
  },
  notADerivation: (image: string, kind: string) =>
    `Image '${image}' evaluates to a ${kind}, not a derivation (nor a set or list holding one): nix-instantiate refuses it, and n2k8s's tag would be empty.`,
  notADerivationHint: () => 'Set `attr` for the image in the nixtag configuration to select the image derivation.',
  severalDerivations: (image: string, file: string, container: string, found: readonly string[]) =>
    found.length === 0
      ? `Image '${image}' (${file}) evaluates to a ${container} holding no derivation: nix-instantiate prints nothing, and n2k8s's tag would be empty.`
      : `Image '${image}' (${file}) evaluates to a ${container} holding ${found.length} derivations (${list(found)}): nix-instantiate prints a .drv for each, and n2k8s's tag would be ${found.length} lines, not one tag.`,
  severalDerivationsHint: (found: readonly string[]) =>
    `Set \`attr\` for the image in the nixtag configuration to the one that builds it, for example \`attr: ${found[0]}\`.`,
  noOutOutput: (image: string, outputs: readonly string[]) =>
    `Image '${image}' has no output named 'out' (its outputs are ${list(outputs)}), so there is no tag to derive.`,
  firstOutputNotOut: (image: string, first: string) =>
    `Image '${image}': the first output is '${first}', not 'out'. nixtag uses 'out', but n2k8s's \`nix-instantiate | xargs nix-store -q\` prints nothing for such a derivation.`,
  noImageTag: (image: string) =>
    `Image '${image}' has tagFrom: imageTag, but its derivation has no imageTag attribute.`,
  noImageTagHint: () =>
    'imageTag comes with dockerTools.streamLayeredImage/buildLayeredImage and nix2container; use tagFrom: outPath for other images.',
  notAStorePath: (value: string) => `Nix returned '${value}', which is not a store path.`,
  nixFileMissing: (image: string, file: string) => `Image '${image}': the expression file ${file} is not in the tree.`,
  nixFileMissingHint: () =>
    'Commit the file (only tracked files are evaluated, as in CI), or set `nix` for the image in the nixtag configuration.',

  untrackableInput: (file: string, construct: string) =>
    `${file} uses ${construct}, which can read files no path literal names: every tracked file counts as an input of its images`,
  codeConfigInput: (file: string) =>
    `the configuration ${file} is code and may read any file: every tracked file counts as an input of the verdict`,
  wholeTreeNote: (why: string) => `nixtag: inputs: ${why}; any change re-evaluates.`,
  manifestsRead: (read: number, remembered: number) =>
    `nixtag: manifests: ${read} read, ${remembered} unchanged since an earlier run (not read again).`,
  tooManyInputs: (limit: number) =>
    `the expressions reach more than ${limit.toLocaleString('en')} Nix files: every tracked file counts as an input of the images`,
  tooLargeToFollow: (file: string, limit: number) =>
    `${file} is named by a path literal and larger than ${limit.toLocaleString('en')} bytes, too large to read for the files it may name: every tracked file counts as an input of the images`,
  unreadableStoreCode: (file: string) =>
    `Nix parsed ${file}, which nixtag cannot read for the files it may name: every tracked file counts as an input of the images`,
  symlinkInput: (file: string) =>
    `${file} is a symlink among the inputs: every tracked file counts as an input of its images`,
  confinedAnswer: (image: string, construct: string, at: string, place: string | undefined) =>
    `Image '${image}': ${at} asks \`${construct}\` ${place === undefined ? 'about a place' : `about ${place}`} outside the repository. Confined (evaluation.restrictEval), Nix answers \`false\` there without an error, where CI's plain nix-instantiate looks at its own file system: the tag computed here is not the one CI pushes, so its references cannot be judged.`,
  confinedAnswerDiffers: (image: string, construct: string, at: string, confined: string, unconfined: string) =>
    `Image '${image}': ${at} asks \`${construct}\` about a place outside the repository. Confined (evaluation.restrictEval), Nix answers \`false\` there without an error and the tag is ${confined}; with this machine's answer it is ${unconfined}, as CI's plain nix-instantiate would see it: its references cannot be judged.`,
  confinedSymlinkCopy: (image: string, literal: string, at: string, link: string, version: string) =>
    `Image '${image}': ${at} may copy \`${literal}\` to the store, and the tree's ${link} is a symlink. Nix ${version || '(its version unknown)'} confined (evaluation.restrictEval) resolves a symlink before copying it and stores its target, where CI's plain nix-instantiate stores the link itself: the tag computed here is not the one CI pushes, so its references cannot be judged.`,
  confinedSymlinkCopyHint: (enforced: boolean) =>
    `Run nixtag with Nix 2.26 or later (tested: it copies the link as CI does), or copy the link's target instead (\`./real\` rather than the link).${enforced ? '' : ' Or set `evaluation.restrictEval: false` for this repository in the nixtag configuration (a run with --ci keeps confinement on).'}`,
  hashedPathMismatch: (image: string, at: string, copied: string) =>
    `Image '${image}': ${at} copies ${copied} under a fixed sha256 that is not the hash of the tree's ${copied}. A store that holds the hash's path (this machine's) answers without reading the files; CI's empty store hashes them and fails (\`store path mismatch\`): no tag.`,
  hashedPathUnchecked: (image: string, at: string) =>
    `Image '${image}': ${at} copies a path under a fixed hash that nixtag cannot compute from the text (a \`filter\`, or a path or hash computed at run time). A store that holds the hash's path (this machine's) answers without reading the files, where CI's empty store hashes them: no verdict here can be CI's.`,
  hashedPathAbsent: () => '(nothing: the path is not in the tree)',
  hashedPathSpecifiedGot: (specified: string, got: string) => `  specified: ${specified}\n  got:       sha256:${got}`,
  hashedPathHint: () =>
    'Drop the hash (`builtins.path { path = ./app; name = "source"; }`: CI hashes the files anyway), or write the hash of the committed files (`nix-store --query --hash` of the copied path, or `nix hash path ./app`).',
  confinedAnswerHint: (enforced: boolean) =>
    `Ask only about paths inside the repository (\`builtins.pathExists ./file\`), or pass the answer in as an argument (\`args\` in the nixtag configuration), as CI's machine would give it.${enforced ? '' : " To judge with this machine's answer instead, set `evaluation.restrictEval: false` in the nixtag configuration (a run with --ci keeps confinement on)."}`,
};
