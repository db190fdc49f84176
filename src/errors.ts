/**
 * Errors that tell the whole story: a code a script can branch on, where it happened,
 * what to run next, and the original error as `cause`. The CLI maps `kind` to an exit code
 * (see cli/exitCode.ts); nothing else decides exit statuses.
 */

/**
 * Bad input (exit 2), a failing tool or service (exit 3), or a verdict that fails the run (exit 1:
 * a tag no clone CI makes can match, reported with the result rather than thrown).
 */
export type ErrorKind = 'input' | 'tool' | 'verdict';

export type ErrorCode =
  | 'USAGE'
  | 'NOT_A_REPOSITORY'
  | 'PATH_NOT_FOUND'
  | 'PATH_NOT_TRACKED'
  | 'PATH_OUTSIDE_REPOSITORY'
  | 'HOOKS_PATH_SHARED'
  | 'HOOKS_PATH_TRACKED'
  | 'CONFIG_INVALID'
  | 'CONFIG_AMBIGUOUS'
  | 'CONFIG_UNMATCHED'
  | 'CONFIG_EXISTS'
  | 'CONFIG_IS_CODE'
  | 'CONFIG_TWICE'
  | 'CONFIG_CODE_UNTRUSTED'
  | 'CONFIG_UNTRUSTED'
  | 'FINDINGS_INVALID'
  | 'YAML_INVALID'
  | 'YAML_LIMIT'
  | 'MANIFEST_UNREADABLE'
  | 'SYMLINK_OUTSIDE_REPOSITORY'
  | 'NOT_CHECKED_OUT'
  | 'IN_SUBMODULE'
  | 'SUBMODULE_UNREAD'
  | 'REWRITE_UNSAFE'
  | 'MARKER_MISMATCH'
  | 'KUSTOMIZE_PATCH'
  | 'KUSTOMIZE_REMOTE'
  | 'TAG_SUBSTITUTED'
  | 'TAG_CLONE_DEPENDENT'
  | 'HELM_VALUES_UNBOUND'
  | 'HELM_OVERRIDE_UNREAD'
  | 'DUPLICATE_KEY'
  | 'CONFLICT_MARKERS'
  | 'PIN_INVALID'
  | 'PIN_MISSING'
  | 'PIN_HASH_MISMATCH'
  | 'REVISION_NOT_FOUND'
  | 'NODE_VERSION'
  | 'NIX_MISSING'
  | 'NIX_EVAL_FAILED'
  | 'NIX_VERSION_MISMATCH'
  | 'NIX_NOT_A_DERIVATION'
  | 'NIX_NO_OUT_OUTPUT'
  | 'NIX_NO_IMAGE_TAG'
  | 'IMAGE_TAG_NOT_HASH'
  | 'NIX_NO_FLAKES'
  | 'NIX_TOO_OLD'
  | 'FLAKE_OUTPUT_MISSING'
  | 'FLAKE_LOCK_INVALID'
  | 'FLAKE_INPUT_MISSING'
  | 'NIX_TIMEOUT'
  | 'NIX_MEMORY_LIMIT'
  | 'NIX_RESTRICTED'
  | 'NIX_CONFINED_ANSWER'
  | 'PATH_HASH_MISMATCH'
  | 'PATH_HASH_UNCHECKED'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'GIT_FAILED'
  | 'GIT_SHALLOW'
  | 'GIT_REF_MISSING'
  | 'SUBMODULE_MISSING'
  | 'SUBMODULE_UNCLONABLE'
  | 'OBJECTS_MISSING'
  | 'LFS_CONTENT_MISSING'
  | 'FETCH_FAILED'
  | 'WRITE_FAILED'
  | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_REFUSED'
  | 'REGISTRY_CREDENTIALS';

const KIND: Record<ErrorCode, ErrorKind> = {
  USAGE: 'input',
  NOT_A_REPOSITORY: 'input',
  PATH_NOT_FOUND: 'input',
  PATH_NOT_TRACKED: 'input',
  PATH_OUTSIDE_REPOSITORY: 'input',
  HOOKS_PATH_SHARED: 'input',
  HOOKS_PATH_TRACKED: 'input',
  CONFIG_INVALID: 'input',
  CONFIG_AMBIGUOUS: 'input',
  CONFIG_UNMATCHED: 'input',
  CONFIG_EXISTS: 'input',
  CONFIG_IS_CODE: 'input',
  CONFIG_TWICE: 'input',
  CONFIG_CODE_UNTRUSTED: 'input',
  CONFIG_UNTRUSTED: 'input',
  FINDINGS_INVALID: 'input',
  YAML_INVALID: 'input',
  /** A manifest past a limit of nixtag's reading (nesting, aliases, size) that CI may still read. */
  YAML_LIMIT: 'input',
  MANIFEST_UNREADABLE: 'input',
  SYMLINK_OUTSIDE_REPOSITORY: 'input',
  NOT_CHECKED_OUT: 'input',
  IN_SUBMODULE: 'input',
  SUBMODULE_UNREAD: 'input',
  REWRITE_UNSAFE: 'input',
  MARKER_MISMATCH: 'input',
  KUSTOMIZE_PATCH: 'input',
  KUSTOMIZE_REMOTE: 'input',
  TAG_SUBSTITUTED: 'input',
  TAG_CLONE_DEPENDENT: 'verdict',
  HELM_VALUES_UNBOUND: 'input',
  HELM_OVERRIDE_UNREAD: 'input',
  DUPLICATE_KEY: 'input',
  CONFLICT_MARKERS: 'input',
  PIN_INVALID: 'input',
  PIN_MISSING: 'input',
  PIN_HASH_MISMATCH: 'input',
  REVISION_NOT_FOUND: 'input',
  NODE_VERSION: 'tool',
  NIX_MISSING: 'tool',
  NIX_EVAL_FAILED: 'tool',
  NIX_VERSION_MISMATCH: 'tool',
  NIX_NOT_A_DERIVATION: 'tool',
  NIX_NO_OUT_OUTPUT: 'tool',
  NIX_NO_IMAGE_TAG: 'tool',
  /** The configuration asks for `imageTag`, which is not a Nix hash: `tagFrom` is what to change. */
  IMAGE_TAG_NOT_HASH: 'input',
  NIX_NO_FLAKES: 'tool',
  NIX_TOO_OLD: 'tool',
  /** The configuration names a flake output that is not there. */
  FLAKE_OUTPUT_MISSING: 'input',
  /** flake.lock does not pin what CI would evaluate. */
  FLAKE_LOCK_INVALID: 'input',
  FLAKE_INPUT_MISSING: 'tool',
  NIX_TIMEOUT: 'tool',
  NIX_MEMORY_LIMIT: 'tool',
  NIX_RESTRICTED: 'tool',
  /** Confinement answers a question (`pathExists /bin/bash`) otherwise than CI's plain evaluation. */
  NIX_CONFINED_ANSWER: 'tool',
  /** `builtins.path { …; sha256 }` whose hash is not the tree's: CI's empty store fails on it. */
  PATH_HASH_MISMATCH: 'input',
  /** `builtins.path` under a fixed hash nixtag cannot compute (a filter, computed values). */
  PATH_HASH_UNCHECKED: 'input',
  LOCK_TIMEOUT: 'tool',
  LOCK_LOST: 'tool',
  GIT_FAILED: 'tool',
  GIT_SHALLOW: 'tool',
  GIT_REF_MISSING: 'input',
  SUBMODULE_MISSING: 'tool',
  /** CI's recursive clone stops on a gitlink (no URL, a `.gitmodules` git refuses): nothing is deployed. */
  SUBMODULE_UNCLONABLE: 'input',
  OBJECTS_MISSING: 'tool',
  LFS_CONTENT_MISSING: 'tool',
  FETCH_FAILED: 'tool',
  WRITE_FAILED: 'tool',
  REGISTRY_UNREACHABLE: 'tool',
  REGISTRY_REFUSED: 'tool',
  REGISTRY_CREDENTIALS: 'tool',
};

/** A place in a file; line and column are 1-based. */
export interface Location {
  file: string;
  line?: number;
  column?: number;
}

export interface ErrorDetails {
  location?: Location;
  /** What to do next, one sentence or a command. */
  hint?: string;
  /** Extra text shown under the message: a source excerpt with a caret, a tool's stderr. */
  detail?: string;
  cause?: unknown;
}

export class NixtagError extends Error {
  override readonly name = 'NixtagError';
  readonly code: ErrorCode;
  readonly location: Location | undefined;
  readonly hint: string | undefined;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.location = details.location;
    this.hint = details.hint;
    this.detail = details.detail;
  }

  get kind(): ErrorKind {
    return KIND[this.code];
  }
}

export function isNixtagError(error: unknown): error is NixtagError {
  return error instanceof NixtagError;
}

/**
 * A broken invariant of nixtag's own code, never a fault in the user's files or tools: it has no
 * code, location or hint, and the CLI prints its stack and asks for a report (exit 3).
 */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}
