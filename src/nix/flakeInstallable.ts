import path from 'node:path';

/**
 * A flake output as Nix users type it (an installable): `.#image`, `./services/api#image`,
 * `.#packages.x86_64-linux."registry/web"`, or a flake alone (`.`, `./dir`) for its default
 * package. Only flakes inside the repository: CI evaluates the flake of its own clone.
 */
export interface Installable {
  /** The flake's directory in the repository, '' for the root. */
  directory: string;
  /** The attribute path after `#`, step by step; undefined for the flake's default package. */
  fragment: string[] | undefined;
}

/** Why `text` is not an installable nixtag can evaluate, or the installable. */
export function parseInstallable(text: string): Installable | { error: string } {
  const hash = text.indexOf('#');
  const reference = hash === -1 ? text : text.slice(0, hash);
  const directory = flakeDirectory(reference);
  if (typeof directory !== 'string') return directory;
  if (hash === -1 || hash === text.length - 1) return { directory, fragment: undefined };
  let decoded: string;
  try {
    // Nix percent-decodes the fragment of a flake reference.
    decoded = decodeURIComponent(text.slice(hash + 1));
  } catch {
    return { error: 'a fragment whose %-escapes decode' };
  }
  const fragment = splitAttrPath(decoded);
  return typeof fragment === 'string' ? { error: fragment } : { directory, fragment };
}

/** `.`, `./dir`: the directory in the repository; anything else says what was expected. */
function flakeDirectory(reference: string): string | { error: string } {
  const local = reference.startsWith('path:') ? reference.slice('path:'.length) : reference;
  if (local !== '.' && !local.startsWith('./')) {
    return { error: "a flake in the repository: '.' or './dir', then '#' and the output (such as .#image)" };
  }
  const normal = path.posix.normalize(local);
  if (normal === '..' || normal.startsWith('../') || local.includes('?')) {
    return { error: "a flake inside the repository ('./dir', not leaving it with ..)" };
  }
  return normal === '.' ? '' : normal.replace(/\/$/, '');
}

/** An attribute path as Nix's parseAttrPath reads a fragment: dots split it, quotes hold dots. */
function splitAttrPath(text: string): string[] | string {
  const steps: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (char === '.' && !quoted) {
      steps.push(current);
      current = '';
    } else current += char;
  }
  steps.push(current);
  if (quoted) return 'an attribute path whose quotes are closed';
  if (steps.some((step) => step === '')) return 'an attribute path without empty steps';
  return steps;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

/** An attribute path as Nix prints one: steps that are not identifiers quoted. */
function printAttrPath(steps: readonly string[]): string {
  return steps.map((step) => (IDENTIFIER.test(step) ? step : `"${step}"`)).join('.');
}

/**
 * The attribute paths `nix eval`/`nix build` try for an installable, in order, for `system`:
 * `packages.<system>.<path>`, `legacyPackages.<system>.<path>`, then the path as given; for a
 * flake alone, `packages.<system>.default`, then the older `defaultPackage.<system>`.
 */
export function candidatePaths(installable: Installable, system: string): string[][] {
  const { fragment } = installable;
  if (fragment === undefined) {
    return [
      ['packages', system, 'default'],
      ['defaultPackage', system],
    ];
  }
  return [['packages', system, ...fragment], ['legacyPackages', system, ...fragment], [...fragment]];
}

/** The installable that names `steps` of the flake in `directory`, as one types it. */
export function installableText(directory: string, steps: readonly string[]): string {
  return `${directory === '' ? '.' : `./${directory}`}#${printAttrPath(steps)}`;
}

/** The flake's `flake.nix` in the repository. */
export function flakeFile(directory: string): string {
  return directory === '' ? 'flake.nix' : `${directory}/flake.nix`;
}
