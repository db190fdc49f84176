/** Every user-facing string in one place, so wording stays consistent and reviewable. */
import { cmd } from './invocation.js';
import { initMessages } from './messagesInit.js';

const list = (items: readonly string[]) => items.map((item) => `'${item}'`).join(', ');

/** What a doctor finding's message may name. */
export interface DoctorDetails {
  checkoutName?: string;
  system?: string;
  machineSystem?: string;
  manifests?: readonly string[];
  local?: string;
  ci?: string;
  newer?: boolean;
}

const imagesOf = (images: readonly string[]) =>
  images.length === 0 ? 'the configuration' : `image${images.length === 1 ? '' : 's'} ${list(images)}`;
const FILTERED_SOURCE =
  'use `builtins.fetchGit ./.` (tracked files only), nixpkgs\' `lib.fileset.toSource { root = ./.; fileset = lib.fileset.gitTracked ./.; }`, or `builtins.path { path = ./.; name = "source"; filter = …; }`';

/** Each doctor finding: what it means, and the fix. */
const doctorFinding = (message: (images: readonly string[], details: DoctorDetails) => string, fix: string) => ({
  message,
  fix,
});

export const messages = {
  // Nix
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
  nixTimeout: (images: string, directory: string, seconds: number) =>
    `Nix did not finish evaluating ${images ? `image ${images}` : 'the image expression'} (in ${directory}) within ${seconds} s and was stopped.`,
  nixTimeoutHint: () =>
    'An expression that never ends (infinite recursion, a fetch that hangs) or a very large evaluation: raise `evaluation.timeout` (seconds) in the nixtag configuration if it is only slow.',
  nixMemoryLimit: (images: string, directory: string, megabytes: number) =>
    `Nix ran out of memory evaluating ${images ? `image ${images}` : 'the image expression'} (in ${directory}): the limit is ${megabytes} MiB.`,
  nixMemoryLimitHint: () => 'Raise `evaluation.memoryLimit` (MiB) in the nixtag configuration, or remove it.',
  restrictedPath: (images: string, file: string) =>
    `With evaluation.restrictEval, ${images ? `image ${images}` : 'the expression'} may read only the checked-out tree, the Nix store and the pin, but it read ${file}.`,
  restrictedPathHint: () =>
    'Keep what the expression reads inside the repository, or set `evaluation.restrictEval: false` in the nixtag configuration to let it read anything, as a build on this machine would.',
  restrictedUri: (images: string, uri: string) =>
    `With evaluation.restrictEval, ${images ? `image ${images}` : 'the expression'} may fetch only the pin's URL and \`evaluation.allowedUris\`, but it fetched ${uri}.`,
  restrictedUriHint: (uri: string) =>
    uri.startsWith('git+file:') || uri.startsWith('file:')
      ? 'A local git repository or file outside the checkout cannot be allowed; `builtins.fetchGit ./.` of the checkout itself is. Set `evaluation.restrictEval: false` to allow it.'
      : `Add the URL (or a prefix of it ending in /) to \`evaluation.allowedUris\` in the nixtag configuration if the expression may fetch it: allowedUris: ["${uri.replace(/[?#].*$/, '')}"]`,
  notADerivation: (image: string, kind: string, size: number) =>
    `Image '${image}' does not evaluate to one derivation but to a ${kind}${size > 0 ? ` of ${size}` : ''}; n2k8s would print ${kind === 'set' || kind === 'list' ? 'several .drv paths or none' : 'no .drv path'}.`,
  notADerivationHint: () => 'Set `attr` for the image in the nixtag configuration to select the image derivation.',
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
  tooManyInputs: (limit: number) =>
    `the expressions reach more than ${limit.toLocaleString('en')} Nix files: every tracked file counts as an input of the images`,
  symlinkInput: (file: string) =>
    `${file} is a symlink among the inputs: every tracked file counts as an input of its images`,

  // Pin
  pinInvalid: (file: string, why: string) => `The pin file ${file} is invalid: ${why}.`,
  pinOutside: () => 'it is a symlink to a file outside the repository',
  pinNotJson: (position: string | undefined) =>
    `it is not JSON${position === undefined ? '' : ` (at byte ${position})`}`,
  pinHint: () =>
    'A pin reads {"url": "https://github.com/NixOS/nixpkgs/archive/<rev>.tar.gz", "sha256": "<nix base32>", "rev": "<40 hex>"}; `nix-prefetch-url --unpack URL` prints the sha256.',
  pinHashMismatch: (file: string) => `The sha256 in ${file} does not match what its url serves.`,
  pinHashMismatchHint: (url: string) =>
    `Run \`nix-prefetch-url --unpack ${url}\` and put the hash it prints in the pin.`,

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
  pinSpecifiedGot: (specified: string, got: string) => `  specified: sha256:${specified}\n  got:       sha256:${got}`,

  // Doctor
  doctor: {
    nondeterministic: doctorFinding(
      (images) =>
        `The tag of ${imagesOf(images)} is not reproducible: it moved between two evaluations of the same tree (\`builtins.currentTime\` or the like), so neither nixtag nor CI can name it in advance; doctor cannot tell the other impurities apart while it moves.`,
      'Leave the time out of the image (label it at build or push time), so that one tree gives one tag.',
    ),
    checkoutName: doctorFinding(
      (images, details) =>
        `The tag of ${imagesOf(images)} depends on the name of the checkout directory: nixtag evaluates in one named '${details.checkoutName ?? 'source'}', so it agrees with CI only while CI's checkout has that name.`,
      'Give the source a fixed name, `builtins.path { path = ./.; name = "source"; }`, or set `checkoutName` to the name of CI\'s checkout directory.',
    ),
    gitMetadata: doctorFinding(
      (images) =>
        `The tag of ${imagesOf(images)} depends on the content of .git (a \`./.\` source at the repository root takes it in): two clones of one commit give two tags, so no tool can compute CI's.`,
      `Take only the tracked files: ${FILTERED_SOURCE}.`,
    ),
    untrackedFiles: doctorFinding(
      (images) =>
        `The tag of ${imagesOf(images)} depends on files git does not track: nixtag evaluates tracked files only, as CI's clone holds them, but \`nix-build\` in this working tree gives another image.`,
      `Take only the tracked files: ${FILTERED_SOURCE}.`,
    ),
    environment: doctorFinding(
      (images) =>
        `The tag of ${imagesOf(images)} depends on environment variables (\`builtins.getEnv\`): nixtag evaluates with a scrubbed environment (HOME is /homeless-shelter), CI with its own, so the tags differ.`,
      'Pass the value as an argument (`args` in the nixtag configuration, `--argstr` in CI) or write it in the repository instead of reading the environment; import nixpkgs with `{ config = {}; overlays = []; }` so that it reads no ~/.config/nixpkgs or NIXPKGS_* variables.',
    ),
    nixPath: doctorFinding(
      (images) =>
        `${imagesOf(images).replace(/^i/, 'I')} look${images.length === 1 ? 's' : ''} a path up in NIX_PATH (\`<…>\`) with no pin for it: nixtag does not let NIX_PATH in, and CI's channel is not this machine's.`,
      'Pin nixpkgs: `nixtag pin update --rev <commit>` writes .nixpkgs-pin.json, which `<nixpkgs>` then resolves to; or import `builtins.fetchTarball { inherit (pin) url sha256; }` directly.',
    ),
    commitId: doctorFinding(
      (images) =>
        `The tag of ${imagesOf(images)} depends on the commit id (\`rev\`, \`shortRev\`, \`revCount\`, \`lastModified\`): a pre-commit hook cannot know the commit being made; pre-push judges it.`,
      'Leave the commit out of the image (label it at push time instead), or rely on the pre-push hook (`nixtag install --pre-push`) for this image.',
    ),
    system: doctorFinding(
      (images, details) =>
        `The tag of ${imagesOf(images)} depends on \`builtins.currentSystem\`: nixtag evaluates for the configured ${details.system ?? ''}, as CI does, but this machine is ${details.machineSystem ?? ''}, so \`nix-build\` here gives another image.`,
      'Take the system as an argument with a default (`{ system ? "x86_64-linux" }:`), or keep `system` in the nixtag configuration equal to what CI evaluates for.',
    ),
    manifestInSource: doctorFinding(
      (images, details) =>
        `The manifests of ${imagesOf(images)} (${list(details.manifests ?? [])}) lie inside its hashed source: writing a new tag changes the tag again, so \`fix\` would loop and no tag can be current.`,
      'Leave the manifests out of the source, for example `builtins.path { path = ./.; name = "source"; filter = path: type: baseNameOf path != "k8s"; }` or `lib.cleanSourceWith { src = ./.; filter = …; }`.',
    ),
    importFromDerivation: doctorFinding(
      (images) =>
        `${imagesOf(images).replace(/^i/, 'I')} need${images.length === 1 ? 's' : ''} import-from-derivation: something is built while evaluating, which nixtag refuses unless \`allowImportFromDerivation: true\`.`,
      'Avoid the import of a build result here, or set `allowImportFromDerivation: true` in the nixtag configuration (the hook then builds what CI builds).',
    ),
    nixVersion: doctorFinding(
      (_images, details) =>
        `This machine runs Nix ${details.local ?? ''}, ${details.newer ? 'newer' : 'older'} than the ${details.ci ?? ''} CI runs (\`nixVersion\`); the tag is the same on tested versions (2.8 and 2.26), but a difference here is the first suspect when they disagree.`,
      'Install the Nix CI runs, or update `nixVersion` when CI moves.',
    ),
  },
  doctorHeader: (version: string, ci: string | null, system: string) =>
    `nixtag doctor: Nix ${version}${ci === null ? '' : ` (CI: ${ci})`}, evaluating for ${system}.`,
  doctorFinding: (place: string, code: string, message: string) => `${place}: [${code}] ${message}`,
  doctorFix: (fix: string) => `  fix: ${fix}`,
  doctorClean: (count: number) =>
    `nixtag doctor: no finding in ${count} image${count === 1 ? '' : 's'}: the tag here is the tag CI computes.`,
  doctorSummary: (count: number, differing: number) =>
    `nixtag doctor: ${count} finding${count === 1 ? '' : 's'}; ${differing === 0 ? 'none makes' : `${differing} make${differing === 1 ? 's' : ''}`} the local verdict differ from CI's.`,

  // Configuration
  expect: {
    name: 'a non-empty name',
    nixIdentifier: 'a Nix identifier',
    repository: 'a registry/name without tag or digest, such as docker.io/lewo/poc-tekton',
    directoryName: 'a directory name without slashes',
    notDotDirectory: 'a directory name',
    someImage: 'at least one image',
    nixVersion: 'a Nix version such as 2.26 or 2.26.3',
    uniqueName: (name: string) => `a name not used by another image ('${name}' is)`,
    fileInRepository: 'a file inside the repository (a relative path, not leaving it with ..)',
    globInRepository: 'a glob inside the repository (a relative pattern, not leaving it with ..)',
    uriPrefix: 'a URL or URL prefix without spaces',
  },
  attrPathUnclosedQuote: (attrPath: string) => `attribute path '${attrPath}' has an unclosed quote`,
  attrPathEmptyStep: (attrPath: string) => `attribute path '${attrPath}' has an empty step`,
  configInvalid: (file: string) => `Invalid nixtag configuration in ${file}:`,
  configUnreadable: (file: string, why: string) => `Cannot read the nixtag configuration ${file}: ${why}`,
  configHint: () => 'See "Configuration" in the nixtag README for every key and its default.',
  configNeedsTypeScript: () =>
    'A nixtag.config.ts is loaded with the typescript package: `npm install --save-dev typescript`, or write the configuration as .nixtagrc.yaml.',
  ambiguousRepositories: (repositories: readonly string[]) =>
    `Without configuration nixtag manages one image, but references with Nix-hash tags name ${repositories.length} repositories: ${list(repositories)}.`,
  ambiguousRepositoriesHint: (repositories: readonly string[]) =>
    `Add a .nixtagrc.yaml that says which expression builds each, for example:\nimages:\n${repositories
      .map(
        (repository) =>
          `  - name: ${repository.slice(repository.lastIndexOf('/') + 1)}\n    nix: default.nix\n    repository: ${repository}`,
      )
      .join('\n')}`,
  unknownImage: (name: string, known: readonly string[]) =>
    `There is no image named '${name}'${known.length > 0 ? `; the configured images are ${list(known)}` : ''}.`,
  unknownMarkerImage: (file: string, position: { line: number; column: number }, name: string) =>
    `${file}:${position.line}:${position.column}: the $nixtag marker names '${name}', which is not a configured image; the reference is left unmanaged.`,

  // Git and the command line
  notARepository: (directory: string) => `${directory} is not inside a git repository.`,
  notARepositoryHint: () => 'nixtag judges what git tracks, as CI sees it: run it inside the repository.',
  gitMissing: () => 'git was not found on PATH.',
  gitFailed: (args: readonly string[]) => `git ${args.join(' ')} failed.`,
  pathNotFound: (file: string) => `${file}: no such file or directory.`,
  stagedOrRev: () => 'Give --staged (the index) or --rev (a commit), not both.',
  revNeedsValue: () => '--rev needs a commit: a branch, tag or commit id.',
  unknownCommand: (name: string) => `Unknown command '${name}'.`,
  helpHint: (command?: string) => `Run \`${cmd(command === undefined ? '--help' : `${command} --help`)}\`.`,
  didYouMean: (suggestion: string, rest = '') => `Did you mean \`${cmd(`${suggestion}${rest}`)}\`?`,
  unknownOption: (option: string, command: string | undefined) =>
    `Unknown option '${option}'${command === undefined ? '' : ` for ${command}`}.`,
  hookCheckOrFix: () => 'Give --check (refuse a stale commit) or --fix (rewrite it), not both.',
  hookCheckOrFixHint: () => `For example \`${cmd('hook pre-commit --fix')}\`.`,
  stagedOrRevHint: () => `For example \`${cmd('check --staged')}\` or \`${cmd('check --rev HEAD')}\`.`,
  fixNeedsWritableTreeHint: () =>
    `Check the commit with \`${cmd('check --rev REV')}\`; fix the working tree with \`${cmd('fix')}\`.`,
  huskyOrGitHint: () => `Run \`${cmd('install')}\` alone: it picks husky when the repository uses it, else git.`,
  prePushOnTerminal: () =>
    "`nixtag hook pre-push` reads the lines git writes on a pre-push hook's stdin (`<local ref> <local oid> <remote ref> <remote oid>`); here stdin is a terminal, so there is nothing to judge.",
  prePushOnTerminalHint: () =>
    `git runs it on \`git push\`; to judge what you would push, run \`${cmd('check --rev HEAD')}\`.`,
  pathNotTracked: (file: string) =>
    `${file} is not tracked by git, so nixtag does not judge it: CI's checkout will not have it.`,
  pathNotTrackedHint: (file: string) => `Run \`git add ${file}\` first (\`--staged\` judges what is staged).`,
  pathNotFoundHint: () => 'Give files or directories inside the repository, as `git ls-files` lists them.',
  unknownImageHint: () => `Run \`${cmd('hash')}\` to see every image with its tag.`,
  installHuskyGenerated: (directory: string) =>
    `core.hooksPath is ${directory}, husky's generated folder: husky replaces it on the next \`npm install\`, so --git would be lost.`,
  installHuskyGeneratedHint: () => `Run \`${cmd('install --husky')}\` (a line in .husky/<hook>) instead.`,
  preCommitModeHint: () => `For example \`${cmd('install --pre-commit fix')}\`.`,
  unknownHookHint: () => `Run \`${cmd('hook pre-commit')}\` or \`${cmd('hook pre-push')}\`, as the hook scripts do.`,
  nodeTooOld: (version: string, node: string, tried: readonly string[]) =>
    `nixtag needs Node.js 22 or newer; this is ${version} (${node})${
      tried.length > 0 ? `, and none of these is newer: ${tried.join(', ')}` : ''
    }.`,
  nodeHint: () =>
    'Install Node.js 22 or newer (https://nodejs.org, `nvm install 22`, `fnm install 22` or `volta install node@22`) and run it again; `NIXTAG_SKIP=1 git commit …` skips the check once.',
  unknownHook: (name: string) => `There is no hook '${name}'; nixtag has pre-commit and pre-push.`,
  huskyOrGit: () => 'Give --husky or --git, not both.',
  preCommitMode: (mode: string) => `--pre-commit takes check or fix, not '${mode}'.`,
  huskyNotInitialised: () =>
    'husky is not set up in this clone (core.hooksPath is unset): run `npx husky` so that git runs the hooks in .husky/.',
  lefthookInstallNote: () => 'lefthook runs these once git calls it: run `npx lefthook install` if you have not.',
  preCommitInstallNote: (prePush: boolean) =>
    `the pre-commit framework runs these once git calls it: run \`pre-commit install${prePush ? ' --hook-type pre-commit --hook-type pre-push' : ''}\` if you have not.`,
  installed: (hook: string, file: string, action: string) => `nixtag: ${hook}: ${action} (${file})`,
  skippedHook: () => 'nixtag: skipped (NIXTAG_SKIP=1).',
  pushedRef: (ref: string) => `nixtag: ${ref}:`,
  loop: (file: string, image: string, tag: string) =>
    `${file} is part of the Nix source of image ${image}: writing the new tag changed the tag again (now ${tag}), so no tag in it can ever be current.`,
  loopHint: () =>
    'Leave the manifests out of the image source, for example `src = builtins.path { path = ./.; name = "source"; filter = path: type: !(builtins.elem (baseNameOf path) [ "k8s" ]); };` or `lib.cleanSourceWith { src = ./.; filter = …; }`.',
  fixNeedsWritableTree: () =>
    'fix rewrites the working tree or, with --staged, the index; a commit cannot be rewritten.',
  unmergedIndex: () => 'The index has unmerged paths, so there is no tree to judge yet.',
  unmergedIndexHint: () => 'Resolve the conflicts and stage the result, then commit again.',
  commitDependent: (image: string, judged: string) =>
    `Image '${image}': its tag depends on the commit, not only on the files (the expression reads \`rev\`, \`shortRev\`, \`revCount\` or \`lastModified\` of \`builtins.fetchGit ./.\`, or takes in \`.git\`), so it cannot be judged before the commit exists (${judged === 'index' ? 'the index' : 'the working tree'} is not committed yet). Its references are left unjudged; the pre-push hook (or \`nixtag check --rev\`) judges the pushed commit exactly. Set \`whenCommitDependent: fail\` to fail here instead.`,
  submoduleMissing: (file: string, commit: string) =>
    `Submodule ${file} is recorded at commit ${commit}, which this clone does not have; CI's recursive clone fetches it, so without it the tag cannot be the one CI computes.`,
  submoduleMissingHint: (file: string) =>
    `Run \`git submodule update --init --recursive -- ${file}\`, or set \`submodules: false\` in the nixtag configuration if CI does not fetch submodules.`,
  revisionNotFound: (rev: string) => `'${rev}' does not name a commit in this repository.`,
  revisionNotFoundHint: () => 'Give a branch, tag or commit id, as `git rev-parse` takes it.',

  // Manifests
  yamlInvalid: (file: string, why: string) => `${file} is not valid YAML: ${why}`,
  yamlInvalidHint: () =>
    'The configuration names this file in `manifests`, so it must parse; fix it or narrow the glob.',
  tooDeep: () => 'it nests too deeply to be a manifest',
  aliasBomb: (limit: number) => `its aliases expand to more than ${limit.toLocaleString('en')} nodes (an alias bomb)`,
  skippedNotYaml: (file: string, position: { line: number; column: number }, why: string) =>
    `Skipped ${file}:${position.line}:${position.column}: not YAML (${why}).`,
  conflictMarkers: (file: string) =>
    `${file} holds unresolved merge conflict markers (<<<<<<<, =======, >>>>>>>), so none of its references can be judged.`,
  conflictMarkersHint: () => 'Resolve the conflict, stage the result, then commit again.',
  markerMismatch: (file: string, marker: string, kind: 'reference' | 'tag', value: string) =>
    kind === 'tag'
      ? `${file}: the marker "${marker}" says the value holds only a tag, but '${value}' is a whole image reference.`
      : `${file}: the marker "${marker}" says the value is a whole image reference, but '${value}' is ${value.includes(':') || value.includes('/') ? 'not one' : 'only a tag'}.`,
  markerMismatchHint: (marker: string, kind: 'reference' | 'tag') =>
    kind === 'tag'
      ? `Mark a whole reference with {"$nixtag": "${marker.slice(0, -':tag'.length)}"}, or keep only the tag in this value.`
      : `Mark a value that holds only the tag with {"$nixtag": "${marker}:tag"}, or write the whole reference (registry/name:tag).`,
  tagMissing: (file: string, line: number, repository: string, key: string) =>
    `${file}:${line}: ${repository} has no tag (no \`${key}\` beside it), so some other image would deploy; nixtag does not add keys, it only changes a tag within its line.`,
  tagMissingHint: (key: string, tag: string) => `Add \`${key}: "${tag}"\` beside it, then run the command again.`,
  tagSuffix: (file: string, line: number, suffix: string) =>
    `${file}:${line}: this kustomize entry appends tagSuffix '${suffix}' to the tag, so the deployed tag can never be the one CI pushes.`,
  tagSuffixHint: (tag: string) => `Remove \`tagSuffix\` and set \`newTag: "${tag}"\`.`,
  skippedUndecodable: (file: string, why: 'binary' | 'not-utf8') =>
    `Skipped ${file}: ${why === 'binary' ? 'binary content' : 'not UTF-8'}.`,
  danglingSymlink: (file: string) => `${file} is a symlink to nothing; it was not read and will not be written.`,
  symlinkOutside: (file: string, target: string) =>
    `${file} is a symlink to ${target}, outside the repository; nixtag does not write there.`,
  symlinkOutsideHint: () => 'Update that file where it lives, or commit the manifest itself instead of a link to it.',
  manifestUnreadable: (file: string, why: string) => `Cannot read ${file}: ${why}`,
  cannotRewriteInPlace: (file: string) =>
    `${file}: this reference is written with escapes, so its tag cannot be changed without touching other bytes.`,
  cannotRewriteInPlaceHint: () => 'Write the image reference as a plain or quoted string without escape sequences.',
  rewriteNotVerified: (file: string, why: string) =>
    `Refused to rewrite ${file}: the result did not check out (${why}). Nothing was written.`,
  rewriteUnrelatedChanged: (line: number) => `an unrelated reference changed at line ${line}`,
  rewriteTagNotRead: (line: number) => `the reference at line ${line} does not read the new tag`,
  rewriteCountChanged: () => 'the number of references changed',
  writeFailed: (file: string, why: string) => `Could not write ${file}: ${why}. It was left as it was.`,
  writeFailedHint: (code: string | undefined) =>
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'Free some space on that file system (or raise the quota), then run the command again.'
      : code === 'EPERM' || code === 'EACCES' || code === 'EROFS'
        ? 'Make the file and its directory writable (an immutable file shows an `i` in `lsattr`), then run the command again.'
        : 'Run the command again once the cause is removed; nothing was changed.',
  writeNotRolledBack: (files: readonly string[]) =>
    `A step of the rewrite failed, and ${files.join(', ')} could not be put back: the original of each is kept beside it as .<name>.nixtag-<pid>-<random>.`,
  shortWrite: (written: number, total: number) =>
    `only ${written} of ${total} bytes could be written (no space left on device?)`,

  // The repository lock
  lockWaiting: (pid: number | undefined) =>
    `nixtag: waiting for another nixtag run on this repository${pid === undefined ? '' : ` (pid ${pid})`} to finish…`,
  lockTimeout: (pid: number | undefined, seconds: number) =>
    `Another nixtag run${pid === undefined ? '' : ` (pid ${pid})`} has held this repository's lock for the ${seconds} s this run waited; gave up.`,
  lockTimeoutHint: (lock: string) =>
    `Let that run finish and try again. If no nixtag is running, remove ${lock}. NIXTAG_LOCK_TIMEOUT sets how many seconds to wait.`,
  lockLost: () =>
    "Another nixtag run took this repository's lock while this one held it (this one was stopped or suspended for too long), so its result cannot be trusted.",
  lockLostHint: () => 'Run the command again; nothing was written after the lock was lost.',

  // Results
  stale: (file: string, line: number, column: number, image: string) =>
    `${file}:${line}:${column}: stale reference to ${image}`,
  fixed: (file: string, line: number, column: number, image: string) => `${file}:${line}:${column}: fixed ${image}`,
  current: (value: string) => `  current:  ${value}`,
  expected: (value: string) => `  expected: ${value}`,
  was: (value: string) => `  was: ${value}`,
  now: (value: string) => `  now: ${value}`,
  digestDropped: () => '  the stale @sha256 digest pins the old image and is dropped with the tag',
  repositoryChanged: (from: string) =>
    `  the $nixtag marker binds this value to the image's repository: the repository changes from ${from || '(none)'}`,
  mentions: (count: number) =>
    `${count} place${count === 1 ? '' : 's'} outside the shapes nixtag manages name${count === 1 ? 's' : ''} a managed repository and ${count === 1 ? 'is' : 'are'} not checked (--verbose lists them).`,
  mention: (file: string, line: number, repository: string) =>
    `${file}:${line}: names ${repository} in a place nixtag does not manage; it is not checked.`,
  runFix: (command: string) => `Run \`${command}\` to rewrite the stale tags.`,
  fixCommand: (judged: 'worktree' | 'index' | 'rev') => cmd(judged === 'index' ? 'fix --staged' : 'fix'),
  stageFixed: (file: string) =>
    `  fixed in the working tree but not staged: stage the fixed file with \`git add ${file}\``,
  runStage: (files: readonly string[]) =>
    `The working tree has the right tags: stage the fixed file${files.length === 1 ? '' : 's'} with \`git add ${files.join(' ')}\`, then commit again.`,
  allCurrent: (count: number) => `nixtag: ${count} reference${count === 1 ? '' : 's'} up to date.`,
  staleSummary: (count: number) =>
    `nixtag: ${count} stale reference${count === 1 ? '' : 's'}: the pipeline's digest check would fail.`,
  loopSummary: () =>
    'nixtag: the manifests were rewritten, but they are inputs of their own image: the commit would still fail CI.',
  fixedSummary: (count: number) => `nixtag: fixed ${count} reference${count === 1 ? '' : 's'}.`,
  nothingManaged: (configured: boolean) =>
    configured
      ? 'nixtag: nothing is managed: no image reference matches a configured image, so nothing is checked.'
      : 'nixtag: nothing is managed: without configuration nixtag manages the image references whose tag is a 32-character Nix hash, and there are none.',
  candidatesSeen: (count: number) => `It saw ${count} image reference${count === 1 ? '' : 's'} in tracked YAML:`,
  candidate: (file: string, line: number, column: number, value: string) => `  ${file}:${line}:${column}: ${value}`,
  moreCandidates: (count: number) => `  … and ${count} more (\`${cmd('check --verbose')}\` lists them all)`,
  noCandidates: () => 'It saw no image reference in tracked YAML.',
  suggestInit: () =>
    `Run \`${cmd('init')}\` to see a configuration that manages them (\`${cmd('init --write')}\` writes it).`,
  globMatchesNothing: (where: string, image: string, glob: string) =>
    `${where}: the manifests glob '${glob}' of image '${image}' matches no tracked file.`,
  imageMatchesNothing: (where: string, image: string, repository: string) =>
    `${where}: image '${image}' (${repository}) matches no image reference; check \`repository\` for a typo, or name the image in a manifest with any tag (\`${cmd('fix')}\` then writes the right one).`,
  nothingToDo: () => 'nixtag: none of the given paths can change a managed reference.',
  upToDate: (file: string, line: number, column: number, value: string) => `${file}:${line}:${column}: ${value} ok`,
  unjudged: (file: string, line: number, column: number, image: string) =>
    `${file}:${line}:${column}: not judged: the tag of ${image} depends on the commit, which does not exist yet`,
  unjudgedSummary: (ok: boolean) =>
    ok
      ? 'nixtag: nothing could be judged before the commit exists (see the warning); the pre-push hook judges the commit.'
      : 'nixtag: nothing could be judged before the commit exists, and whenCommitDependent: fail says that fails.',
  unmanaged: (file: string, line: number, column: number, value: string) =>
    `${file}:${line}:${column}: ${value} (not managed)`,
  warning: (text: string) => `nixtag: warning: ${text}`,
  evaluating: (images: readonly string[], seconds: number) =>
    `nixtag: Nix is evaluating ${images.length === 1 ? images[0] : `${images.length} images (${images.join(', ')})`}… ${seconds}s`,
  ranCommand: (command: string) => `nixtag: $ ${command}`,
  errorPrefix: (code: string) => `nixtag: error [${code}]:`,
  hintPrefix: () => 'hint:',
  unexpected: () => 'nixtag: unexpected internal error; please report it with the output above.',

  // Registry (check --registry): never given a credential
  registryUnreachable: (registry: string, why: string) => `registry ${registry} did not answer: ${why}`,
  registryUnreachableHint: (registry: string) =>
    `Check that ${registry} is up and reachable from here; a registry that speaks plain HTTP must be listed in \`registry.insecure\` (loopback registries always may).`,
  registryTimeout: (seconds: number) => `no answer within ${seconds} s`,
  registryNoSuchHost: () => 'no such host',
  registryBodyLost: () => 'the connection failed while the manifest was read',
  registryStatus: (status: number, path: string) => `HTTP ${status} for ${path}`,
  registryRefused: (registry: string, status: number) =>
    `registry ${registry} refused access to the manifest (HTTP ${status}): the login found for it, if any, may not read this repository.`,
  registryNeedsLogin: (registry: string, hadCredentials: boolean) =>
    hadCredentials
      ? `registry ${registry} asks for a login that the stored credentials do not satisfy.`
      : `registry ${registry} asks for a login, and no credentials for it were found.`,
  registryLoginHint: (registry: string) =>
    `Log in as skopeo or Docker would (\`skopeo login ${registry}\`, \`docker login ${registry}\`): nixtag reads REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json and ~/.docker/config.json (credHelpers and credsStore included).`,
  registryBadChallenge: () => 'its authentication challenge names no usable token service (realm)',
  registryPlainRealm: (registry: string, realm: string) =>
    `registry ${registry} sends its token requests to ${realm}, over plain HTTP; nixtag sends no credentials there.`,
  registryTokenNoAnswer: (realm: string, why: string) => `its token service ${realm} did not answer: ${why}`,
  registryTokenRefused: (registry: string, status: number, hadCredentials: boolean) =>
    `the token service of registry ${registry} refused ${hadCredentials ? 'the stored credentials' : 'an anonymous request'} (HTTP ${status}).`,
  registryTokenInvalid: (realm: string, status: number) => `its token service ${realm} gave no token (HTTP ${status})`,
  registryAuthFileInvalid: (file: string) => `The credentials file ${file} is not valid JSON.`,
  credentialHelperMissing: (program: string) =>
    `The credential helper ${program}, which the Docker configuration names, is not on PATH.`,
  credentialHelperFailed: (program: string, registry: string) =>
    `The credential helper ${program} failed to give credentials for ${registry}.`,
  registryExchange: (method: string, url: string, status: number) => `nixtag: registry: ${method} ${url}: ${status}`,
  registryRetry: (url: string, seconds: number) => `nixtag: registry: ${url}: retrying in ${seconds} s`,
  registryPlainHttp: (registry: string, why: string) =>
    `nixtag: registry: ${registry}: HTTPS got no answer (${why}); using plain HTTP`,
  digestInvalid: (value: string) => `--digest '${value}' is not a digest (sha256:<64 hex>) or NAME=digest.`,
  digestTwice: () => '--digest gives two different digests without an image name.',
  digestForWhich: (images: readonly string[]) =>
    `One --digest without a name, but references name ${images.length} images: ${list(images)}.`,
  digestForNothing: (image: string | undefined) =>
    image === undefined
      ? '--digest was given, but no managed reference is there to compare it with.'
      : `--digest names image '${image}', but no managed reference names that image.`,
  digestHint: () =>
    'Give the digest the build step exported, `--digest sha256:…`, or one per image, `--digest NAME=sha256:…`.',
  digestNeedsRegistry: () => '--digest compares with the registry: give --registry too.',
  registryMissing: (file: string, line: number, column: number, image: string, registry: string) =>
    `${file}:${line}:${column}: ${image} is not in registry ${registry}`,
  registryMissingHint: () =>
    "  the tag was never pushed: push the image before this check; a deploy would pull nothing (the seed's `skopeo inspect | jq -e` step lets it through)",
  registryMismatchHint: () =>
    '  the tag names another image than the one expected: another build was pushed under it, or the manifest names another tag (`nixtag hash` prints the tag CI pushes)',
  registryMismatch: (file: string, line: number, column: number, image: string, digest: string) =>
    `${file}:${line}:${column}: ${image} has digest ${digest} in the registry`,
  registryExpected: (digest: string, from: 'option' | 'pinned') =>
    `  expected: ${digest} (${from === 'option' ? '--digest' : 'pinned in the manifest'})`,
  registryNoAnswer: (file: string, line: number, column: number, image: string, why: string) =>
    `${file}:${line}:${column}: could not check ${image}: ${why}`,
  registryPresent: (file: string, line: number, column: number, image: string, digest: string) =>
    `${file}:${line}:${column}: ${image} in the registry as ${digest}`,
  registrySummary: (present: number, missing: number, mismatched: number, unanswered: number, compared: number) =>
    missing + mismatched + unanswered === 0
      ? `nixtag: registry: ${present} reference${present === 1 ? '' : 's'} present${compared > 0 ? ', with the expected digest' : ''}.`
      : `nixtag: registry: ${[
          missing > 0 ? `${missing} missing` : '',
          mismatched > 0 ? `${mismatched} with another digest` : '',
          unanswered > 0 ? `${unanswered} not checked (the registry did not answer or refused)` : '',
        ]
          .filter(Boolean)
          .join(', ')}.`,
  // nixtag init (its strings are long: kept in their own file)
  init: initMessages,

  // The command line's help
  help: {
    config: 'Use this configuration file instead of the one in the judged tree',
    check: 'Verify that every managed image reference carries the tag CI will build',
    checkStaged: 'Judge the index (what git commit records), not the working tree',
    checkRev: 'Judge a commit (what git push sends)',
    json: 'Print the result as JSON',
    verbose: 'Also list references that are up to date or not managed, and every git and Nix command run',
    quiet: 'Print nothing when every managed reference is up to date (stale ones and errors still show)',
    noCache: 'Ask Nix even when an earlier evaluation of the same inputs is known',
    fix: 'Rewrite stale tags in place, changing nothing but the tag characters',
    fixStaged: 'Rewrite the staged manifests in the index (and the working tree when nothing is lost)',
    hash: 'Print the tag CI will push for each image (the hash part of its Nix output path)',
    hashImage: 'Only this image',
    hashStaged: 'Evaluate the index',
    hashRev: 'Evaluate a commit',
    hook: "What the hook scripts call: pre-commit, or pre-push (reads git's stdin)",
    hookCheck: 'pre-commit: refuse a commit with a stale tag (default)',
    hookFix: 'pre-commit: rewrite stale tags in the index instead',
    install: 'Install the pre-commit hook (and the pre-push hook) into husky or plain git',
    installHusky: 'Add a line to .husky/<hook>',
    installGit: 'Install into the folder `git rev-parse --git-path hooks` names',
    installPreCommit: 'check (refuse stale tags, default) or fix (rewrite them)',
    installPrePush: 'Also install the pre-push hook',
    pin: 'Show, verify or update the nixpkgs pin (.nixpkgs-pin.json): pin show | verify | update',
    pinRev: 'update: pin this nixpkgs commit (the url follows it)',
    pinUrl: 'update: pin this tarball url',
    doctor: "Find what makes an image's tag differ between this machine and CI, with the line to change",
    registry: "Also ask each reference's registry: the tag must be there (exit 1), the registry reachable (exit 3)",
    digest: 'With --registry: the digest the tag must have, sha256:… or NAME=sha256:… (repeatable)',
    init: 'Propose a configuration for the images this repository builds and references',
    initWrite: 'Write it to .nixtagrc.yaml (never over an existing configuration)',
    initInstall: 'Also wire the hooks of the manager the repository uses (husky, lefthook, pre-commit, git)',
  },
};
