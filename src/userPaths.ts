/**
 * A path into a checked-out tree (`…/nixtag/trees/<slot>/<checkout name>/`), up to and with its
 * slash: `/var/tmp/nixtag-checkouts-<uid>/<repository's hash>/nixtag/trees/…` (or under TMPDIR),
 * or where no such directory can be made, `<git dir>/nixtag/trees/…` (tree/checkoutsRoot.ts).
 */
const CHECKOUT_PREFIX = /(?:\/[^\s'"`:]*)?\/nixtag\/trees\/[^/\s'"`:]+\/[^/\s'"`:]+(?:\/|(?=[\s'"`:]|$))/g;

/** The start of the base name of doctor's temporary directory (under the system's temp directory). */
export const DOCTOR_SCRATCH_PREFIX = 'nixtag-doctor-';

/** A path into one of doctor's copies of the tree (`…/nixtag-doctor-XXXXXX/<probe>/<checkout name>/`). */
const DOCTOR_COPY_PREFIX = new RegExp(
  `(?:/[^\\s'"\`:]*)?/${DOCTOR_SCRATCH_PREFIX}[^/\\s'"\`:]+/[^/\\s'"\`:]+/[^/\\s'"\`:]+(?:/|(?=[\\s'"\`:]|$))`,
  'g',
);

const asUserNamesIt = (match: string) => (match.endsWith('/') ? '' : '.');

/**
 * Text from a tool that ran in a checked-out tree, with that tree's paths as the user names them:
 * `/var/tmp/nixtag-checkouts-1000/0f3a…/nixtag/trees/worktree/source/default.nix:4:13` reads `default.nix:4:13`, the
 * checkout itself `.`. With `doctorCopies`, so do the paths into doctor's copies of it (only
 * once doctor has read its evidence: it locates what it finds by those paths).
 */
export function userPaths(text: string, { doctorCopies = false } = {}): string {
  const inCheckout = text.replace(CHECKOUT_PREFIX, asUserNamesIt);
  return doctorCopies ? inCheckout.replace(DOCTOR_COPY_PREFIX, asUserNamesIt) : inCheckout;
}
