/** Helpers the message files share (src/messages/*.ts). */

export const list = (items: readonly string[]) => items.map((item) => `'${item}'`).join(', ');

/** What a doctor finding's message may name. */
export interface DoctorDetails {
  checkoutName?: string;
  system?: string;
  machineSystem?: string;
  manifests?: readonly string[];
  local?: string;
  ci?: string;
  newer?: boolean;
  /** An image reads the evaluating Nix's version: the tag is not the same on every version then. */
  readsVersion?: boolean;
  /** A flake input CI could not fetch the same, as the refusal says it. */
  input?: string;
  /** The construct a finding points at, as written. */
  construct?: string;
  /** A submodule whose commit this clone lacks; `within`: the repository that records it ('' the root). */
  submodule?: { path: string; commit: string; within: string };
  /** The refusal `check` makes there, in its own words (submoduleUnclonable, confinedAnswer). */
  refusal?: { message: string; hint: string };
}

/** Why CI's recursive clone stops on a gitlink (tree/submoduleLayout.ts decides). */
export type UnclonableReason =
  | { kind: 'unparsed' }
  | { kind: 'badUpdate'; key: string; value: string | undefined }
  | { kind: 'noUrl' }
  | { kind: 'unregistered' }
  | { kind: 'unregisteredNested' };

export const imagesOf = (images: readonly string[]) =>
  images.length === 0 ? 'the configuration' : `image${images.length === 1 ? '' : 's'} ${list(images)}`;
export const FILTERED_SOURCE =
  'use `builtins.fetchGit ./.` (tracked files only), nixpkgs\' `lib.fileset.toSource { root = ./.; fileset = lib.fileset.gitTracked ./.; }`, or `builtins.path { path = ./.; name = "source"; filter = path: type: baseNameOf path != ".git"; }`';

/** Each doctor finding: what it means, and the fix (the same for every place, or naming it). */
export const doctorFinding = (
  message: (images: readonly string[], details: DoctorDetails) => string,
  fix: string | ((details: DoctorDetails) => string),
) => ({ message, fix: typeof fix === 'string' ? () => fix : fix });

/**
 * A construct that moves a tag with no change to the tree, and where (`file:line`): the time of the
 * evaluation, or the environment Nix runs in (CI's differs from this machine's, which nixtag scrubs).
 */
export interface MovingConstruct {
  kind: 'time' | 'environment';
  construct: string;
  at: string;
  /** An unpinned fetch: pinning it (a hash, a rev) is the cure. */
  pin?: true;
  /** The evaluating Nix's version: the same as CI's only where the local Nix is CI's. */
  version?: true;
  /** The repository fetched by branch: its commit is that branch's in CI's clone, which may have none. */
  branch?: true;
  /** A pinned fetch whose url or sha256 is computed: the pair cannot be verified as CI's empty store does. */
  computedFetch?: true;
}
