import type { ErrorCode, Location } from './errors.js';
export type ReferenceStatus = 'ok' | 'stale' | 'fixed' | 'unmanaged';

/** One reference as `check --json` and `fix --json` report it. */
export interface ReferenceResult {
  file: string;
  /** 1-based, at the first character of the image string. */
  line: number;
  column: number;
  /** The managing image's name; null for an unmanaged reference. */
  image: string | null;
  current: string;
  /** What it must read; null for an unmanaged reference. */
  expected: string | null;
  status: ReferenceStatus;
  /** A stale `@sha256:` digest was (or would be) dropped with the old tag. */
  digestDropped?: boolean;
  /**
   * The tag is current, but the reference also pins an `@sha256:` digest, which runtimes pull by
   * and no evaluation gives: stale until `check --registry` finds it is the tag's (`fix` drops it).
   */
  digestUnverified?: boolean;
  /** Stale in the index, but the working-tree file already has the expected tag: stage it. */
  fixedInWorktree?: true;
  /** A whole-reference marker bound a value of another repository to its image's repository. */
  repositoryChanged?: boolean;
  /** In this submodule, whose files a kustomization deploys: fix does not write them. */
  submodule?: string;
  /** A kustomize `images:` entry (at file:line) appends this suffix to the tag where deployed. */
  tagSuffix?: { suffix: string; file: string; line: number };
  /** What the registry said of it (`check --registry`, managed references only). */
  registry?: RegistryFinding;
}

/** `check --registry`: present (with the expected digest), missing, another digest, or no answer. */
export type RegistryStatus = 'ok' | 'missing' | 'mismatch' | 'unreachable';

export interface RegistryFinding {
  status: RegistryStatus;
  /** The registry that was asked, as users name it (`docker.io`, `127.0.0.1:5000`). */
  registry: string;
  /** The digest of the manifest the tag names; null when there is none or no answer. */
  digest: string | null;
  /** The digest it had to be: `--digest`, or one pinned in the reference (`repo:tag@sha256:…`). */
  expected?: { digest: string; from: 'option' | 'pinned' };
  /** Why there was no answer (unreachable, refused): an error code and message without credentials. */
  error?: { code: string; message: string; hint?: string };
}

/** Something left alone, with where it is: a skipped file, an unknown marker, a mention. */
export interface Warning {
  file: string | null;
  line: number | null;
  message: string;
  /** A managed repository named outside the managed shapes: summarised unless verbose. */
  mention?: true;
  /**
   * A file skipped unread (a parse error, or a limit of nixtag's reading): readers more lenient
   * than nixtag's (yq, kubectl, Helm) may still read it, so it must not name a managed repository,
   * nor be a kustomization (engine/unread.ts).
   */
  unparsed?: Unread;
}

/** Why a file was skipped unread, as the refusal of one that matters tells it. */
export interface Unread {
  /** The parser's message, or the limit passed. */
  why: string;
  /** Where it stopped on the warning's line. */
  column?: number;
  /** A limit (nesting, alias expansion, size) rather than a parse error. */
  limit: boolean;
  /** The first line holding a tag that is a Nix hash: without configuration, a managed reference. */
  nixHashLine?: number;
}

export interface CheckResult {
  ok: boolean;
  references: ReferenceResult[];
  warnings: Warning[];
  /** Set when the PATH arguments could change nothing, so nothing was looked at. */
  skipped?: boolean;
  /** Nix was called (false: the tags came from the cache, or no tag was needed). */
  evaluated?: boolean;
  /** What was judged: the working tree, the index or a commit (the report names the fix for it). */
  judged?: 'worktree' | 'index' | 'rev';
  /**
   * The index judged is the one `git commit <paths>` builds (HEAD and the named paths): a fix
   * staged in the real index is not in this commit unless its file is named too.
   */
  partialCommit?: true;
  /** Judging the index: tracked files (manifests aside) whose working-tree changes are not staged. */
  unstaged?: string[];
  /**
   * No reference is managed: the repository is not protected. The report lists what it saw (the
   * unmanaged references) and suggests `nixtag init`; `configured` tells whether a configuration
   * exists (then its images or globs match nothing).
   */
  managesNothing?: { configured: boolean };
  /** Managed references left unjudged: Nix is missing and `whenNixMissing: warn` allows it. */
  unchecked?: number;
  /** Images whose tag depends on the commit, which does not exist yet: their references were not judged. */
  commitDependent?: string[];
  /** Images no clone CI makes can give the tag of (their `.git` is in it): the run fails (exit 1). */
  failures?: ImageFailure[];
  /** Only references with a current tag and an unverified digest fail: a registry may clear them. */
  digestsUnverified?: boolean;
  /**
   * Images whose tag moves with no change to the files (the expression reads the time or the
   * environment): their references were not judged (a tag that moves with the time fails the run).
   */
  moving?: string[];
  /** Manifests that are inputs of their own image: rewriting them changed the tag again. */
  loops?: FixLoop[];
  /**
   * `fix`: stale references it cannot rewrite (in a submodule's files), left stale while every
   * other file is written; the run exits 2 (cli/exitCode.ts).
   */
  refused?: RefusedWrite[];
  /** Why every tracked file counts as an input of the images (a construct no path literal names). */
  wholeTreeInputs?: string;
  /** Manifests read and parsed in this run, and those whose scan was remembered by blob id. */
  manifests?: { read: number; remembered: number };
}

/**
 * An image whose references fail CI whatever tag they hold (`TAG_CLONE_DEPENDENT`: its tag depends
 * on the clone's own `.git`): reported as an error beside the result, and the run exits 1.
 */
export interface ImageFailure {
  image: string;
  code: ErrorCode;
  message: string;
  hint: string;
  /** The literal that most likely causes it, when one is found. */
  location?: Location;
}

/** A manifest `fix` does not write, with the error it gives for it. */
export interface RefusedWrite {
  file: string;
  code: ErrorCode;
  message: string;
  hint: string;
}

export interface FixLoop {
  file: string;
  image: string;
  /** The tag after the rewrite, which differs from the one just written. */
  tag: string;
  /** Where the image's expression (or flake) takes the manifest in, when its own file says. */
  source?: { file: string; line: number; column: number; text: string };
}

export interface ImageHash {
  name: string;
  /** The expression file; for a flake image, its flake.nix. */
  nix: string;
  attr: string | null;
  /** A flake image: the installable as configured (`.#web`); null for an expression file. */
  flake: string | null;
  /** A flake image: the installable the tag was read from (`.#packages.x86_64-linux.web`), as CI types it. */
  installable: string | null;
  /** Which hash the tag is: the output path's (n2k8s), or the image's own imageTag. */
  tagFrom: 'outPath' | 'imageTag';
  system: string;
  outPath: string;
  hash: string;
  /** `repository:tag`; null when no repository is known (no configuration, no reference). */
  reference: string | null;
}

export interface HashResult {
  images: ImageHash[];
  warnings: Warning[];
}

/** One file (or gitlink) of a git tree: its mode, object id and path. */
export interface TreeEntry {
  mode: string;
  oid: string;
  path: string;
}
