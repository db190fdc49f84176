import { parseImageReference } from '../reference.js';

/**
 * A name kustomize's image transformer matches as the repository it spells: a tagless reference
 * with no character a regular expression reads otherwise (kustomize compiles `^<name>` and a tag
 * or digest suffix; a `.` in a host matches itself too). `app:v1`, `registry/.*` are patterns.
 */
export function isPlainName(name: string): boolean {
  const parsed = parseImageReference(name);
  if (parsed === undefined || parsed.tag !== undefined || parsed.digest !== undefined) return false;
  return !/[\\^$*+?()[\]{}|]/.test(name);
}

/**
 * What kustomize's image transformer lets follow an entry's `name` (a regular expression): an
 * image matches `^<name>(:<tag>)?(@sha256:<digest>)?$`, tag and digest of these characters.
 */
export const AFTER_NAME = '(?::[a-zA-Z0-9_.{}-]*)?(?:@sha256:[a-zA-Z0-9_.{}-]*)?';

/** The images an entry's `name` matches, as kustomize matches them; undefined where it is no regular expression. */
export function kustomizeNameMatcher(name: string): RegExp | undefined {
  try {
    return new RegExp(`^${name}${AFTER_NAME}$`);
  } catch {
    return undefined; // kustomize's Go regexp fails on it too, and matches nothing
  }
}

/**
 * Go's regexp (RE2, kustomize's) and JavaScript's read a pattern alike where it is printable
 * ASCII that compiles on its own (its groups and classes closed before kustomize's suffix), without
 * what either reads alone: `(?` (lookarounds, flags, named groups), a backslash before a letter or
 * digit (`\1`, `\Q`, `\s`), `{` (a repeat count Go caps at 1,000) and the classes they parse
 * differently (`[]…]`, `[^]…]`, `[:alpha:]`). Outside it, Go may fail (kustomize then stops) or
 * match otherwise.
 */
function readAlike(pattern: string): boolean {
  if (!/^[\x21-\x7e]*$/.test(pattern) || /\(\?|\\[a-zA-Z0-9]|[{}]|\[\^?\]|\[:/.test(pattern)) return false;
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * The images an entry's `name` surely matches as kustomize matches them: undefined where Go could
 * read the pattern otherwise, so that a later entry hides an earlier one only where kustomize's
 * render shows it does.
 */
export function kustomizeSureMatcher(name: string): RegExp | undefined {
  return readAlike(name) ? kustomizeNameMatcher(name) : undefined;
}
