/** Git and the command line: user-facing strings (part of `messages`, src/messages.ts). */
import { cmd } from '../invocation.js';
import type { MovingConstruct, UnclonableReason } from './shared.js';

export const commandLineMessages = {
  notARepository: (directory: string) => `${directory} is not inside a git repository.`,
  notARepositoryHint: () => 'nixtag judges what git tracks, as CI sees it: run it inside the repository.',
  gitMissing: () => 'git was not found on PATH.',
  gitFailed: (args: readonly string[]) => `git ${args.join(' ')} failed.`,
  gitObjectMissing: (oid: string) => `The repository lacks object ${oid}, which the judged tree holds.`,
  gitObjectMissingHint: () =>
    'Run `git fsck` to see what is missing; in a partial or shallow clone, `git fetch` the commit first.',
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
  pathOutsideRepository: (file: string) =>
    `${file} is outside the repository, so no file of the tree CI checks out is named: nixtag cannot say whether it changes a managed reference.`,
  pathOutsideRepositoryHint: (root: string) =>
    `Give files or directories inside ${root}, as \`git ls-files\` lists them (a path through a symlink to the repository counts as inside).`,
  pathNotFoundHint: () => 'Give files or directories inside the repository, as `git ls-files` lists them.',
  unknownImageHint: () => `Run \`${cmd('hash')}\` to see every image with its tag.`,
  installHuskyGenerated: (directory: string) =>
    `core.hooksPath is ${directory}, husky's generated folder: husky replaces it on the next \`npm install\`, so --git would be lost.`,
  installHuskyGeneratedHint: () => `Run \`${cmd('install --husky')}\` (a line in .husky/<hook>) instead.`,
  hooksPathShared: (directory: string, scope: string, origin: string, own: boolean) =>
    `core.hooksPath is set in ${origin} (${scope} configuration) to ${directory}, ${
      own ? 'a folder outside this repository' : "not this repository's own"
    }: git runs the hooks there for every repository that reads that setting, so nixtag's hooks would run, and block commits, in all of them.`,
  hooksPathSharedHint: (directory: string, ownHooks: string) =>
    `To add nixtag to this repository alone, give it a hooks folder of its own: \`git config core.hooksPath ${ownHooks}\`, copy into it the hooks of ${directory} this repository should still run (nixtag keeps a hook it finds and runs it first), then run \`${cmd('install --git')}\` again. To install into ${directory} for every repository on purpose, run \`${cmd('install --git --shared-hooks')}\`.`,
  hooksPathTracked: (directory: string, tracked: readonly string[]) =>
    `core.hooksPath is ${directory}, a folder this repository tracks (${tracked.slice(0, 3).join(', ')}${tracked.length > 3 ? ', …' : ''}): the team's hooks. nixtag's hooks written there would change them, and the next \`git commit -a\` or \`git add -A\` would give every clone nixtag's hooks in their place, which refuse each commit where nixtag is not installed.`,
  hooksPathTrackedHint: (directory: string) =>
    `To check every teammate's commits, call nixtag from the team's hooks yourself (\`npx --no-install nixtag hook pre-commit\` in ${directory}/pre-commit, \`npx --no-install nixtag hook pre-merge-commit\` in ${directory}/pre-merge-commit, with nixtag in package.json's devDependencies) and commit that. To install nixtag's hooks into ${directory} anyway, as files you then commit (a hook found there is kept as <hook>.nixtag-chained, which must be committed too), run \`${cmd('install --git --shared-hooks')}\`.`,
  preCommitModeHint: () => `For example \`${cmd('install --pre-commit fix')}\`.`,
  unknownHookHint: () =>
    `Run \`${cmd('hook pre-commit')}\`, \`${cmd('hook pre-merge-commit')}\` or \`${cmd('hook pre-push')}\`, as the hook scripts do.`,
  nodeTooOld: (version: string, node: string, tried: readonly string[]) =>
    `nixtag needs Node.js 22 or newer; this is ${version} (${node})${
      tried.length > 0 ? `, and none of these is newer: ${tried.join(', ')}` : ''
    }.`,
  nodeHint: () =>
    'Install Node.js 22 or newer (https://nodejs.org, `nvm install 22`, `fnm install 22`, `volta install node@22`, or for this repository alone `npm install --save-dev node@22`, which `npx` and the hooks then run) and run it again; in a hook, `NIXTAG_SKIP=1 git commit …` skips the check once.',
  /** The pre-commit framework's `repo:` route: nixtag installed in a Node environment of the framework's own. */
  nodeHintPreCommitEnvironment: (environment: string) =>
    `The pre-commit framework installed nixtag in ${environment}, an environment that runs this machine's Node. Give nixtag's hooks a Node of their own in .pre-commit-config.yaml: add \`language_version: 22.12.0\` (or any release >= 22) to each nixtag hook, and pre-commit downloads that Node for them. Or install Node.js 22 or newer where nixtag looks (nvm, fnm, volta, /usr/local/bin), or set NIXTAG_NODE to one. \`SKIP=nixtag,nixtag-pre-push git commit …\` skips the check once.`,
  unknownHook: (name: string) => `There is no hook '${name}'; nixtag has pre-commit, pre-merge-commit and pre-push.`,
  mergeFixedStopped: () =>
    'nixtag: the fixed tags are staged, but git records this merge from the tree it wrote before the hook ran, so the merge was stopped: run `git commit` to record it with them.',
  huskyOrGit: () => 'Give --husky or --git, not both.',
  preCommitMode: (mode: string) => `--pre-commit takes check or fix, not '${mode}'.`,
  huskyNotInitialised: () =>
    'husky is not set up in this clone (core.hooksPath is unset): run `npx husky` so that git runs the hooks in .husky/.',
  lefthookInstallNote: () => 'lefthook runs these once git calls it: run `npx lefthook install` if you have not.',
  preCommitInstallNote: (prePush: boolean) =>
    `the pre-commit framework runs these once git calls it: run \`pre-commit install --hook-type pre-commit --hook-type pre-merge-commit\` if you have not.${prePush ? " nixtag's pre-push is a plain git hook beside the framework's (the framework passes its hooks one pushed ref at most): each runs the other first, with git's lines." : ''}`,
  installed: (hook: string, file: string, action: string) => `nixtag: ${hook}: ${action} (${file})`,
  prepareInstalled: (command: string, file: string, action: string) =>
    `nixtag: npm install in every clone runs \`${command}\`: ${action} (${file}, scripts.prepare)`,
  noPackageJson: () =>
    'there is no package.json, so `npm install` cannot install the hooks in other clones: each clone runs the install itself.',
  installSkippedSharedHooks: (why: string, hint: string) =>
    `nixtag install: NO HOOKS INSTALLED, so this clone's commits are not checked. ${why}\n${hint}`,
  installOutsideRepository: () =>
    'nixtag install: not inside a git repository (an npm install outside a checkout): no hooks installed.',
  skippedHook: () => 'nixtag: skipped (NIXTAG_SKIP=1).',
  pushedRef: (ref: string) => `nixtag: ${ref}:`,
  prePushUnlisted: (remote: string) =>
    `pre-push: git's lines naming the pushed refs were empty (nothing to send, or another hook read them first, as \`git lfs pre-push\` does, or the pre-commit framework ran nixtag): judged every local branch and tag whose tip ${remote ? `${remote}'s tracking refs lack` : 'no tracking ref holds'}. Put nixtag's line first (\`nixtag install\` does) to judge exactly what is pushed.`,
  loop: (file: string, image: string, tag: string) =>
    `${file} is part of the Nix source of image ${image}: writing the new tag changed the tag again (now ${tag}), so no tag in it can ever be current.`,
  loopSource: (file: string, line: number, column: number, text: string) =>
    `${file}:${line}:${column}: \`${text}\` is the source that takes it in: filter it.`,
  loopHint: () =>
    'Leave the manifests out of the image source, for example `src = builtins.path { path = ./.; name = "source"; filter = path: type: !(builtins.elem (baseNameOf path) [ ".git" "k8s" ]); };` or `lib.cleanSourceWith { src = ./.; filter = …; }`.',
  fixNeedsWritableTree: () =>
    'fix rewrites the working tree or, with --staged, the index; a commit cannot be rewritten.',
  unmergedIndex: () => 'The index has unmerged paths, so there is no tree to judge yet.',
  unmergedIndexHint: () => 'Resolve the conflicts and stage the result, then commit again.',
  movingTag: (image: string, moving: MovingConstruct) =>
    moving.computedFetch === true
      ? `Image '${image}': [FETCH_UNVERIFIED] ${moving.at} fetches with ${moving.construct} whose url or sha256 is computed when Nix evaluates (not strings the file binds once): nixtag cannot download that url and compare it with the sha256 as CI's empty store does, and a store that holds the sha256's path answers here for any url (a url bumped with its sha256 kept passes here and fails in CI with \`hash mismatch\`): its references are left unjudged. Write the url and sha256 as strings, or build them from strings bound in the same file (\`let rev = "…"; in "…/\${rev}.tar.gz"\`), or use the pin file (\`${cmd('pin update')}\`).`
      : moving.branch === true
        ? `Image '${image}': its tag depends on which branches or tags CI's clone has (${moving.at} uses ${moving.construct}): a clone that has the ref resolves it (a branch to its tip, which need not be the judged commit), and a detached checkout of the commit (Tekton's git-clone) has none and fails: its references are left unjudged. Fetch the commit being built instead: \`builtins.fetchGit ./.\` (no \`ref\`), or pin a \`rev\`.`
        : moving.version === true
          ? `Image '${image}': its tag depends on the Nix that evaluates it (${moving.at} uses ${moving.construct}), and this machine's Nix is not the one configured as CI's (\`nixVersion\`, unset or another version): its references are left unjudged. Run nixtag with CI's Nix and set \`nixVersion\` to it, or leave the version out of the image.`
          : moving.pin === true
            ? `Image '${image}': its tag depends on what a URL serves when Nix fetches it (${moving.at} uses ${moving.construct}): Nix and nixtag keep an answer here, a CI container fetches upstream's content of the day, so no tag computed here can be trusted to be CI's: its references are left unjudged. Pin the fetch: \`sha256\` (\`nix-prefetch-url --unpack URL\` prints it) for fetchTarball and fetchurl, \`rev\` for fetchGit, \`narHash\` for fetchTree.`
            : moving.kind === 'time'
              ? `Image '${image}': its tag changes on every evaluation (${moving.at} uses ${moving.construct}), so no tag committed now can be the one CI pushes: its references cannot be judged, and CI's digest check would refuse them. Take the time out of the expression (a fixed date, or the commit's date passed as an argument).`
              : `Image '${image}': its tag depends on the environment Nix runs in (${moving.at} uses ${moving.construct}), and CI's environment is not this machine's (nixtag evaluates with a scrubbed one): its references are left unjudged. Pass the value as an argument (\`args\` in the configuration) instead.`,
  nixVersionDiffers: (image: string, local: string, ci: string) =>
    `Image '${image}': judged with this machine's Nix ${local}, not the ${ci} configured as CI's (\`nixVersion\`): tags agree between Nix versions but where they print differently (\`builtins.toJSON\` of a float, also read from JSON by \`builtins.fromJSON\`) or where one lacks a builtin the other has; nixtag's tag is this Nix's. Install the Nix CI runs for a verdict that is CI's, or update \`nixVersion\` when CI moves.`,
  nixVersionEvalFailed: (failed: string, local: string, ci: string) =>
    `${failed} This machine runs Nix ${local}, not the ${ci} configured as CI's (\`nixVersion\`): the failure may be this Nix's (a builtin it lacks, as 2.8 lacks \`readFileType\` for nixpkgs' \`lib.fileset\`), not the expression's, so nothing here is judged.`,
  nixVersionEvalFailedHint: (ci: string) =>
    `Install the Nix CI runs (${ci}) and run nixtag with it; if CI's Nix fails the same way, fix the expression; if CI runs another version, update \`nixVersion\`. The hooks let commits through with this warning; \`nixtag check\` exits 3.`,
  nixVersionUnjudged: (message: string, hint: string) => `[NIX_VERSION_MISMATCH] ${message} ${hint}`,
  commitDependent: (image: string, judged: string) =>
    `Image '${image}': its tag depends on the commit, not only on the files (the expression reads \`rev\`, \`shortRev\`, \`revCount\` or \`lastModified\` of \`builtins.fetchGit ./.\` or of a flake's \`self\`), so it cannot be judged before the commit exists (${judged === 'index' ? 'the index' : 'the working tree'} is not committed yet). Its references are left unjudged; the pre-push hook (or \`nixtag check --rev\`) judges the pushed commit exactly. Set \`whenCommitDependent: fail\` to fail here instead.`,
  cloneDependent: (image: string, read: { construct: string; at: string }) =>
    `Image '${image}': its tag depends on the bytes of the checkout's \`.git\` directory (${read.at} reads ${read.construct}), which differ between any two clones of the same commit: no tool can compute the tag CI's clone gets, here or at push. Its references are left unjudged. \`${cmd('doctor')}\` names the line to change; pass what it reads there as an argument (\`args\` in the nixtag configuration) or write it in the repository.`,
  refMissing: (failed: string, ref: string) =>
    `${failed.replace(/\.$/, '')}: it fetches the repository at ref '${ref}' (\`builtins.fetchGit { url = ./.; ref = … }\`), which this repository does not have, as branch, tag or remote-tracking branch. CI's clone has it only if its remote does; without it CI's Nix fails the same way and its pipeline prints an empty tag.`,
  refMissingHint: (ref: string) =>
    `Fetch the commit being built: \`builtins.fetchGit ./.\` with no \`ref\` (or pin a \`rev\`). If '${ref}' is on the remote, \`git fetch --tags\` (or \`git fetch origin '${ref}'\`) and run again; the tag will still depend on whether CI's clone has it.`,
  cloneDependentFailure: (image: string, at: string | undefined) =>
    `Image '${image}': its tag depends on the bytes of the checkout's \`.git\` directory (${at === undefined ? 'a source takes in the repository root, as `src = ./.;` does' : `${at} takes in the repository root, \`.git\` with it`}), which differ between any two clones of the same commit: CI's fresh clone computes yet another tag, so its pipeline rejects every deploy of this image, whatever tag is committed. Its references are not judged, and \`fix\` writes no tag for them: none can be right.`,
  cloneDependentHint: () =>
    'Leave `.git` out of the source: `src = lib.cleanSource ./.;`, `src = builtins.path { path = ./.; name = "source"; filter = path: type: baseNameOf path != ".git"; };` or `src = builtins.fetchGit ./.;` (the tracked files only).',
  checkoutPathDependent: (image: string, at: string | undefined) =>
    `Image '${image}': its derivation holds the checkout's absolute path${at === undefined ? '' : ` (${at}: \`toString\` of a path names where the clone lies instead of copying it to the store)`}, so its tag differs in every directory a clone lies in, and CI's (Tekton: /workspace/source) is not nixtag's: its references are left unjudged. Write \`"\${./app}"\` (the path copied to the store) or \`baseNameOf ./app\` (its name) instead of \`toString ./app\`.`,
  checkoutLocationDependent: (image: string, at: string) =>
    `Image '${image}': its tag depends on where the checkout lies: evaluated again in a second checkout of the same tree at another place, it moved or failed (${at}), so CI's clone (Tekton: /workspace/source) gives yet another tag: its references are left unjudged. Keep the absolute path out of the image: \`"\${./app}"\` (the path copied to the store) or \`baseNameOf\` of it instead of \`toString\`, and a source filter that reads only the name (\`baseNameOf path\`) or the path relative to its source (\`lib.removePrefix (toString ./app + "/") path\`, \`lib.fileset\`).`,
  lfsContentMissing: () =>
    'An LFS file of the judged tree has no content in this clone (cloned with GIT_LFS_SKIP_SMUDGE?), and `git lfs fetch` could not bring it.',
  lfsContentMissingHint: () =>
    "Run `git lfs pull` when the LFS server can be reached (CI's clone with git-lfs holds the content), or set `lfs: false` if CI does not fetch LFS files.",
  objectsMissing: (count: number, remote: string) =>
    `This is a partial clone: ${count} file${count === 1 ? '' : 's'} of the judged tree ${count === 1 ? 'was' : 'were'} never fetched, and fetching ${count === 1 ? 'it' : 'them'} from '${remote}' failed.`,
  objectsMissingHint: (remote: string) =>
    `Run \`git fetch ${remote}\` when the remote can be reached (nixtag evaluates every tracked file, as CI's clone has them), or skip the check once with \`NIXTAG_SKIP=1 git commit …\`.`,
  submoduleMissing: (file: string, commit: string) =>
    `Submodule ${file} is recorded at commit ${commit}, which this clone does not have; CI's recursive clone fetches it, so without it the tag cannot be the one CI computes.`,
  submoduleMissingHint: (file: string) =>
    `Run \`git submodule update --init --recursive -- ${file}\`, or set \`submodules: false\` in the nixtag configuration if CI does not fetch submodules.`,
  submoduleUnclonable: (file: string, gitmodules: string, reason: UnclonableReason) =>
    reason.kind === 'unregistered'
      ? `Gitlink ${file} has no entry in ${gitmodules} (an embedded repository added by \`git add\`?): CI's clone step stops on it (exit 128, "No url found for submodule path"), as Tekton's git-clone runs \`git submodule init\` and other CI checkouts \`git submodule update --init --recursive\`; nothing is deployed. (A bare \`git clone --recurse-submodules\` leaves it empty and exits 0.)`
      : `CI's \`git clone --recurse-submodules\` stops on submodule ${file} (exit 128, nothing is deployed): ${
          reason.kind === 'unparsed'
            ? `git cannot parse ${gitmodules}`
            : reason.kind === 'badUpdate'
              ? `${gitmodules} sets \`${reason.key}\` to ${reason.value === undefined ? 'no value' : `'${reason.value}'`}, which git refuses there (checkout, rebase, merge or none)`
              : reason.kind === 'noUrl'
                ? `${gitmodules} gives no url for it ("No url found for submodule path")`
                : `it is a gitlink that no section of ${gitmodules} names (an embedded repository added by \`git add\`?), and inside a submodule the clone does not skip it ("No url found for submodule path")`
        }.`,
  submoduleUnclonableHint: (file: string, gitmodules: string, reason: UnclonableReason) =>
    reason.kind === 'unregistered'
      ? `Register it (\`git submodule add <url> ${file}\`) or remove the gitlink (\`git rm --cached ${file}\`); or set \`submodules: false\` in the nixtag configuration if CI's clone does not fetch submodules. Check with \`git submodule update --init --recursive\` in a fresh clone of the commit.`
      : reason.kind === 'unregisteredNested' || reason.kind === 'noUrl'
        ? `Give it a url in ${gitmodules} (\`git submodule add <url> <path>\` in the repository that holds it), or remove the gitlink (\`git rm --cached <path>\` there); check with \`git clone --recurse-submodules\` of the commit.`
        : `Fix ${gitmodules} so that \`git config --file ${gitmodules} --list\` reads it and every \`update\` is checkout, rebase, merge or none; check with \`git clone --recurse-submodules\` of the commit (${file} is the submodule it stopped on).`,
  submoduleUnpushed: (file: string, commit: string) =>
    `Submodule ${file} is recorded at commit ${commit}, which no remote-tracking branch of its clone here contains: if it was never pushed to the submodule's remote, CI's \`git clone --recurse-submodules\` of this push fails ("not our ref"). Push it first (\`git -C ${file} push\`); a hook does not ask the remote.`,
  revisionNotFound: (rev: string) => `'${rev}' does not name a commit in this repository.`,
  revisionNotFoundHint: () => 'Give a branch, tag or commit id, as `git rev-parse` takes it.',
  confinedOnly: (option: string) => `${option} is for a confined run: give it with --ci or --restrict-eval.`,
  confinedOnlyHint: () =>
    `For example \`${cmd('check --ci --allow-uri https://example.org/')}\`; without them, the configuration's evaluation.allowedUris and registry.insecure apply.`,
  fromNeedsRegistry: () =>
    '--from reads what an evaluating step found, for the registry check: it goes with --registry.',
  fromAlone: (option: string) =>
    `--from judges the findings file alone, with no repository: ${option} does not go with it.`,
  fromHint: () =>
    `The evaluating step runs \`${cmd('check --ci --findings FILE')}\`; the step with the credentials runs \`${cmd('check --registry --from FILE --digest sha256:…')}\`.`,
};
