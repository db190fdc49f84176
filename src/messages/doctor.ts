/** Doctor: user-facing strings (part of `messages`, src/messages.ts). */
import { FILTERED_SOURCE, doctorFinding, imagesOf, list } from './shared.js';

/** The command that fetches a submodule, run in the repository that records it (a nested one's parent). */
const submoduleUpdate = (file: string, within: string) =>
  within === ''
    ? `git submodule update --init --recursive -- ${file}`
    : `git -C ${within} submodule update --init --recursive -- ${file.slice(within.length + 1)}`;

export const doctorMessages = {
  doctor: {
    checkoutPath: doctorFinding(
      (images) =>
        `The tag of ${imagesOf(images)} depends on where the clone lies: its derivation holds the checkout's absolute path or a value made of it (\`toString\` of a path names it instead of copying it to the store; a dependency, a \`toFile\`, a hash or a part of it carry it on), or a source filter reads a word of it (\`/tmp/\`), so two clones in two directories give two tags, and CI's (Tekton: /workspace/source) is not nixtag's; check leaves its references unjudged.`,
      'Write `"${./app}"` (the path copied to the store) or `baseNameOf ./app` (its name) instead of `toString ./app`; let a source filter read the name (`baseNameOf path`) or the path relative to its source (`lib.removePrefix (toString ./app + "/") path`), never the absolute path.',
    ),
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
    gitFile: doctorFinding(
      (images) =>
        `The tag of ${imagesOf(images)} reads a file of .git by name: its bytes are the clone's (a fresh \`git clone\` has an origin remote, packed refs, a reflog), not the commit's, so nixtag's checkout and CI's clone give two tags.`,
      'Pass what the expression wants from git (a remote, a branch) as an argument (`args` in the nixtag configuration, `--argstr` in CI), or write it in the repository.',
    ),
    unpinnedFetch: doctorFinding(
      (images) =>
        `The tag of ${imagesOf(images)} depends on what a URL serves (a fetch without a pinned hash or rev): Nix keeps its answer here (\`tarball-ttl\`), a CI container fetches upstream's content of the day, so the tags differ once upstream moves.`,
      'Pin the fetch: `sha256` (`nix-prefetch-url --unpack URL` prints it) for fetchTarball and fetchurl, `rev` for fetchGit, `narHash` for fetchTree.',
    ),
    fetchByBranch: doctorFinding(
      (images) =>
        `The tag of ${imagesOf(images)} depends on which branches or tags CI's clone has (the repository fetched by \`ref\`, with no \`rev\`): a clone that has the ref resolves it (a branch to its tip), a detached checkout of the commit (Tekton's git-clone) has none and fails.`,
      'Fetch the commit being built: `builtins.fetchGit ./.` with no `ref` (or pin a `rev`).',
    ),
    nixVersionRead: doctorFinding(
      (images, details) =>
        `The tag of ${imagesOf(images)} reads the version of the Nix that evaluates it: this machine runs Nix ${details.local ?? ''}, ${details.ci === undefined ? "and CI's is not configured (`nixVersion`)" : `CI ${details.ci}`}, so nixtag's tag cannot be trusted to be CI's.`,
      "Leave the version out of the image, or run nixtag with CI's Nix and set `nixVersion` in the nixtag configuration to it.",
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
      'Leave the manifests out of the source, for example `builtins.path { path = ./.; name = "source"; filter = path: type: !(builtins.elem (baseNameOf path) [ ".git" "k8s" ]); }` or `lib.cleanSourceWith { src = ./.; filter = …; }`.',
    ),
    importFromDerivation: doctorFinding(
      (images) =>
        `${imagesOf(images).replace(/^i/, 'I')} need${images.length === 1 ? 's' : ''} import-from-derivation: something is built while evaluating, which nixtag refuses unless \`allowImportFromDerivation: true\`.`,
      'Avoid the import of a build result here, or set `allowImportFromDerivation: true` in the nixtag configuration (the hook then builds what CI builds).',
    ),
    submoduleMissing: doctorFinding(
      (images, { submodule }) =>
        `Submodule '${submodule?.path ?? ''}' is recorded at commit ${submodule?.commit ?? ''}, which this clone does not have: CI's recursive clone fetches it, but nixtag can only evaluate ${imagesOf(images)} with its directory empty, so it cannot compute CI's tag.`,
      ({ submodule }) =>
        `Fetch it: \`${submoduleUpdate(submodule?.path ?? '', submodule?.within ?? '')}\` (a commit never pushed to the submodule's remote is missing from CI's clone too: push it); or set \`submodules: false\` in the nixtag configuration if CI does not fetch submodules.`,
    ),
    flakeImpure: doctorFinding(
      (images, { construct }) =>
        `The flake of ${imagesOf(images)} uses \`${construct ?? ''}\`, which only \`--impure\` evaluation reads: CI's pure \`nix eval\` (and nixtag) refuse it or read nothing, while \`nix build --impure\` on this machine reads this machine's.`,
      "Take the system from the flake's outputs (`packages.<system>`, flake-utils, flake-parts' `perSystem`) and values from the repository or the lock, not from the machine.",
    ),
    flakeCommit: doctorFinding(
      (images, { construct }) =>
        `The tag of ${imagesOf(images)} reads the commit (\`${construct ?? ''}\`): a dirty tree here has no \`self.rev\` (\`dirtyRev\` instead), CI's clean clone has the commit's, so a pre-commit hook cannot know the tag; pre-push judges it.`,
      'Leave the commit out of the image (label it at push time instead), or rely on the pre-push hook (`nixtag install --pre-push`) for this image.',
    ),
    flakeInput: doctorFinding(
      (images, { input }) => `The flake of ${imagesOf(images)} has an input CI cannot fetch the same: ${input ?? ''}`,
      'Lock every input to something CI can fetch (a git or tarball URL, or a `path:` inside the repository) with `nix flake lock`, using the Nix version CI runs, and commit flake.lock.',
    ),
    submoduleUnclonable: doctorFinding(
      (_images, { refusal }) => `${refusal?.message ?? ''} \`nixtag check\` refuses the tree (SUBMODULE_UNCLONABLE).`,
      ({ refusal }) => refusal?.hint ?? '',
    ),
    confinedAnswer: doctorFinding(
      (_images, { refusal }) => `${refusal?.message ?? ''} \`nixtag check\` refuses the image (NIX_CONFINED_ANSWER).`,
      ({ refusal }) => refusal?.hint ?? '',
    ),
    nixVersion: doctorFinding(
      (_images, details) =>
        `This machine runs Nix ${details.local ?? ''}, ${details.newer ? 'newer' : 'older'} than the ${details.ci ?? ''} CI runs (\`nixVersion\`); ${details.readsVersion === true ? 'an image here reads the version (`nixVersionRead`), so its tag is not the same on both' : "tags agree between versions except where they differ (`builtins.toJSON` prints a float differently on 2.8 and 2.26; a builtin one lacks, as 2.8 lacks `readFileType` for `lib.fileset`), so a verdict here may not be CI's"}.`,
      'Install the Nix CI runs, or update `nixVersion` when CI moves.',
    ),
  },
  doctorHeader: (version: string, ci: string | null, system: string) =>
    `nixtag doctor: Nix ${version}${ci === null ? '' : ` (CI: ${ci})`}, evaluating for ${system}.`,
  doctorReadsOutside: (image: string, outside: readonly string[]) =>
    `image '${image}' reads outside the repository: ${outside.join(', ')}`,
  doctorFinding: (place: string, code: string, message: string) => `${place}: [${code}] ${message}`,
  doctorFix: (fix: string) => `  fix: ${fix}`,
  doctorClean: (count: number) =>
    `nixtag doctor: no finding in ${count} image${count === 1 ? '' : 's'}: the tag here is the tag CI computes.`,
  doctorSummary: (count: number, differing: number) =>
    `nixtag doctor: ${count} finding${count === 1 ? '' : 's'}; ${differing === 0 ? 'none makes' : `${differing} make${differing === 1 ? 's' : ''}`} the local verdict differ from CI's.`,
};
