import { createRequire } from 'node:module';
import type * as Re2js from 're2js';
import { parseImageReference } from '../reference.js';

/**
 * A name kustomize's image transformer matches as the repository it spells and nothing else: a
 * tagless reference with no character a regular expression reads otherwise (kustomize compiles
 * `^<name>` and a tag or digest suffix). A `.` matches any character, so it is allowed only in
 * the host (`registry.example/app`), where another character would name another registry: in a
 * path (`registry/a.p`) it also matches `registry/app`. `app:v1`, `registry/.*` are patterns.
 */
export function isPlainName(name: string): boolean {
  return isLiteralName(name) && !name.slice(name.indexOf('/') + 1).includes('.');
}

/** A tagless reference whose only character a regular expression reads otherwise is `.`. */
export function isLiteralName(name: string): boolean {
  const parsed = parseImageReference(name);
  if (parsed === undefined || parsed.tag !== undefined || parsed.digest !== undefined) return false;
  return !/[\\^$*+?()[\]{}|]/.test(name);
}

/**
 * What kustomize's image transformer lets follow an entry's `name`, as it writes it (kustomize
 * 5.5 to 5.8, `api/internal/image`): an image matches `^<name>(:<tag>)?(@sha256:<digest>)?$`,
 * tag and digest of these characters.
 */
export const AFTER_NAME = '(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?';

/** What a matcher of either engine answers: whether it matches somewhere in the text (Go's MatchString). */
export interface NameMatcher {
  test(text: string): boolean;
}

let re2js: typeof Re2js.RE2JS | undefined;

/**
 * Go's regexp, as kustomize compiles the pattern (`regexp.Compile`: RE2's syntax, Perl flags):
 * re2js, a port of RE2/J, itself a port of Go's regexp. Loaded on first use, synchronously (the
 * shapes read a document at once): only a name JavaScript may read otherwise needs it.
 */
function goRegexp(pattern: string): NameMatcher | undefined {
  re2js ??= (createRequire(import.meta.url)('re2js') as typeof Re2js).RE2JS;
  try {
    return re2js.compile(pattern);
  } catch {
    // Go's regexp fails on it too: kustomize 5.5 to 5.8 then stop the build (a nil pattern), later ones match nothing.
    return undefined;
  }
}

/**
 * The images an entry's `name` matches, exactly as kustomize matches them (Go's regexp on
 * `^<name>` and its suffix); undefined where Go compiles no regular expression (it matches
 * nothing). JavaScript's RegExp only for a literal name (its one special character, `.`, is read
 * alike); any other pattern with Go's engine (re2js), which is linear where JavaScript's
 * backtracks: `registry/(.+)+-api` against a long reference would never end, and the repository
 * being committed writes the name.
 */
export function kustomizeNameMatcher(name: string): NameMatcher | undefined {
  const pattern = `^${name}${AFTER_NAME}$`;
  return isLiteralName(name) ? new RegExp(pattern) : goRegexp(pattern);
}
