import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { mayNameConfiguration } from '../configNames.js';
import { linksThrough } from '../manifest/links.js';
import { CONFIG_SEARCH_PLACES } from './explorer.js';

/** A name that may be nixtag's configuration (configNames.ts) and is none of the names it is read from. */
const nearMissName = (name: string): boolean => !CONFIG_SEARCH_PLACES.includes(name) && mayNameConfiguration(name);

/** The files (not directories: a vendored `nixtag/` checkout is no configuration) in `directory`. */
function names(directory: string, prefix = ''): string[] {
  try {
    return readdirSync(directory, { withFileTypes: true })
      .filter((entry) => !entry.isDirectory())
      .map((entry) => prefix + entry.name);
  } catch {
    return [];
  }
}

/** A top-level key of package.json that spells `nixtag` otherwise (`nixTag`, `nix-tag`, `nix_tag`). */
function packageKeyNearMiss(root: string): string | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  // Spelt otherwise only in case and separators: a key one letter off may be another tool's.
  return Object.keys(manifest).find((key) => key !== 'nixtag' && key.toLowerCase().replace(/[-_]/g, '') === 'nixtag');
}

/**
 * Where `file` is read from when a symlink on its way (a linked `.config`, a linked package.json)
 * leads to another path of the repository: git tracks that path, not the one read.
 */
function linkedTo(root: string, file: string): string | undefined {
  let walk;
  try {
    walk = linksThrough(realpathSync(root), file);
  } catch {
    return undefined; // no root to walk from
  }
  return walk.linked ? walk.reached : undefined;
}

/**
 * No configuration was found: one whose name is misspelt would silently leave every image to the
 * defaults (or none managed at all, and a hook that passes). Refused, naming the file or key and
 * the name cosmiconfig reads, so that a typo never turns checking off. With `tracked`, only the
 * files git tracks count: the working tree's files that git does not track (untracked or ignored)
 * are not in CI's clone, which loads no configuration from them.
 */
export function refuseNearMisses(root: string, tracked: (file: string) => boolean = () => true): void {
  const inCheckout = (file: string) => tracked(file) || tracked(linkedTo(root, file) ?? file);
  const named = (file: string) => nearMissName(file) && inCheckout(file);
  const file = [...names(root), ...names(path.join(root, '.config'), '.config/')].find(named);
  const key = file === undefined && inCheckout('package.json') ? packageKeyNearMiss(root) : undefined;
  if (file === undefined && key === undefined) return;
  throw new NixtagError(
    'CONFIG_INVALID',
    file !== undefined ? messages.configNameNearMiss(file) : messages.configKeyNearMiss(key!),
    { location: { file: file ?? 'package.json' }, hint: messages.configNearMissHint(file !== undefined) },
  );
}
