/** Every user-facing string in one place, so wording stays consistent and reviewable. */

const list = (items: readonly string[]) => items.map((item) => `'${item}'`).join(', ');

export const messages = {
  // Nix
  nixMissing: () => 'nix-instantiate was not found on PATH.',
  nixInstallHint: () =>
    'Install Nix (on Debian: `apt-get install -y nix-bin`; elsewhere see https://nixos.org/download), then run the command again.',
  nixEvalFailed: (directory: string) => `Nix could not evaluate the image expression (in ${directory}).`,
  nixEvalHint: () =>
    "Nix's message is above. CI's pipeline would print an empty tag here; fix the expression, then run `nixtag hash` to see the tag.",
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

  // Configuration
  expect: {
    name: 'a non-empty name',
    nixIdentifier: 'a Nix identifier',
    repository: 'a registry/name without tag or digest, such as docker.io/lewo/poc-tekton',
    directoryName: 'a directory name without slashes',
    notDotDirectory: 'a directory name',
    someImage: 'at least one image',
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
  helpHint: () => 'Run `nixtag --help`.',
  nodeTooOld: (version: string) => `nixtag needs Node.js 22 or newer; this is ${version}.`,
  unknownHook: (name: string) => `There is no hook '${name}'; nixtag has pre-commit and pre-push.`,
  huskyOrGit: () => 'Give --husky or --git, not both.',
  preCommitMode: (mode: string) => `--pre-commit takes check or fix, not '${mode}'.`,
  huskyNotInitialised: () =>
    'husky is not set up in this clone (core.hooksPath is unset): run `npx husky` so that git runs the hooks in .husky/.',
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
  revisionNotFound: (rev: string) => `'${rev}' does not name a commit in this repository.`,
  revisionNotFoundHint: () => 'Give a branch, tag or commit id, as `git rev-parse` takes it.',

  // Manifests
  yamlInvalid: (file: string, why: string) => `${file} is not valid YAML: ${why}`,
  yamlInvalidHint: () =>
    'The configuration names this file in `manifests`, so it must parse; fix it or narrow the glob.',
  tooDeep: () => 'it nests too deeply to be a manifest',
  aliasBomb: (limit: number) => `its aliases expand to more than ${limit.toLocaleString('en')} nodes (an alias bomb)`,
  skippedNotYaml: (file: string, why: string) => `Skipped ${file}: not YAML (${why}).`,
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
  runFix: (command: string) => `Run \`${command}\` to rewrite the stale tags.`,
  fixCommand: (judged: 'worktree' | 'index' | 'rev') => (judged === 'index' ? 'nixtag fix --staged' : 'nixtag fix'),
  allCurrent: (count: number) => `nixtag: ${count} reference${count === 1 ? '' : 's'} up to date.`,
  staleSummary: (count: number) =>
    `nixtag: ${count} stale reference${count === 1 ? '' : 's'}: the pipeline's digest check would fail.`,
  loopSummary: () =>
    'nixtag: the manifests were rewritten, but they are inputs of their own image: the commit would still fail CI.',
  fixedSummary: (count: number) => `nixtag: fixed ${count} reference${count === 1 ? '' : 's'}.`,
  noReferences: () =>
    'nixtag: no managed image reference found. Without configuration, references are image strings whose tag is a 32-character Nix hash.',
  nothingToDo: () => 'nixtag: none of the given paths can change a managed reference.',
  upToDate: (file: string, line: number, column: number, value: string) => `${file}:${line}:${column}: ${value} ok`,
  unmanaged: (file: string, line: number, column: number, value: string) =>
    `${file}:${line}:${column}: ${value} (not managed)`,
  warning: (text: string) => `nixtag: warning: ${text}`,
  errorPrefix: (code: string) => `nixtag: error [${code}]:`,
  hintPrefix: () => 'hint:',
  unexpected: () => 'nixtag: unexpected internal error; please report it with the output above.',

  // The command line's help
  help: {
    config: 'Use this configuration file instead of the one in the judged tree',
    check: 'Verify that every managed image reference carries the tag CI will build',
    checkStaged: 'Judge the index (what git commit records), not the working tree',
    checkRev: 'Judge a commit (what git push sends)',
    json: 'Print the result as JSON',
    verbose: 'Also list references that are up to date or not managed',
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
  },
};
