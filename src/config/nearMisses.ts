import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { distance } from '../suggest.js';
import { CONFIG_SEARCH_PLACES } from './explorer.js';

/**
 * A name at the root or in `.config/` that names nixtag's configuration wrongly: `.nixtag.yaml`,
 * `nixtag.yml`, `.nixtagrc.yaml.bak`, `nixtag.config.yaml`, `NixTag.json`, `.nixtag`: nixtag's
 * name, then a format configuration is written in somewhere among its extensions, or none after
 * a leading dot. Not `nixtag.nix`, `nixtag.md` or a vendored `nixtag-0.1.0.tgz`. Every such name
 * is one the skip decision watches (state/judgements.ts CONFIG_FILE), so an idle hook never
 * passes where this refuses.
 */
const NIXTAG_NAME = /^(?:\.config\/)?(\.?)nix[-_]?tag(?:rc)?(?:\.config)?((?:\.[a-z0-9]+)*)$/i;
const CONFIG_FORMAT = /^(?:ya?ml|json[5c]?|toml|[cm]?[jt]s)$/i;

function nearMissName(name: string): boolean {
  const match = NIXTAG_NAME.exec(name);
  if (match === null || CONFIG_SEARCH_PLACES.includes(name)) return false;
  const extensions = match[2]!.split('.').slice(1);
  return extensions.length === 0 ? match[1] === '.' : extensions.some((extension) => CONFIG_FORMAT.test(extension));
}

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

/** A top-level key of package.json that spells `nixtag` wrongly (`nixTag`, `nix-tag`). */
function packageKeyNearMiss(root: string): string | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  return Object.keys(manifest).find(
    (key) => key !== 'nixtag' && (key.toLowerCase().replace(/[-_]/g, '') === 'nixtag' || distance(key, 'nixtag') <= 1),
  );
}

/**
 * No configuration was found: one whose name is misspelt would silently leave every image to the
 * defaults (or none managed at all, and a hook that passes). Refused, naming the file or key and
 * the name cosmiconfig reads, so that a typo never turns checking off.
 */
export function refuseNearMisses(root: string): void {
  const file = [...names(root), ...names(path.join(root, '.config'), '.config/')].find(nearMissName);
  const key = file === undefined ? packageKeyNearMiss(root) : undefined;
  if (file === undefined && key === undefined) return;
  throw new NixtagError(
    'CONFIG_INVALID',
    file !== undefined ? messages.configNameNearMiss(file) : messages.configKeyNearMiss(key!),
    { location: { file: file ?? 'package.json' }, hint: messages.configNearMissHint(file !== undefined) },
  );
}
