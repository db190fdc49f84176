import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { CONFIG_SEARCH_PLACES } from './explorer.js';

/** Where `file` really is; itself when it cannot be resolved. */
function real(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Whether cosmiconfig's search would take `file` for a configuration: package.json with a
 * `nixtag` key, any other search place that is a file with something in it (an empty one is
 * passed over: explorer.ts's ignoreEmptySearchPlaces).
 */
function holdsConfiguration(file: string): boolean {
  let text: string;
  try {
    if (!statSync(file).isFile()) return false;
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  if (path.basename(file) !== 'package.json') return text.trim() !== '';
  try {
    const manifest: unknown = JSON.parse(text);
    return typeof manifest === 'object' && manifest !== null && (manifest as Record<string, unknown>).nixtag != null;
  } catch {
    return false;
  }
}

/**
 * cosmiconfig stops at the first search place that holds a configuration: a second one beside it
 * (package.json's `nixtag` key left by an earlier setup, and `.nixtagrc.yaml`) would be ignored
 * without a word, and every image only it lists left unchecked. Refused, naming both, as a
 * configuration fails closed. The same file reached by two names (a link) is one configuration.
 */
export function refuseSecondConfiguration(root: string, loaded: string): void {
  const first = real(loaded);
  const second = CONFIG_SEARCH_PLACES.find((place) => {
    const file = path.join(root, place);
    return real(file) !== first && holdsConfiguration(file);
  });
  if (second === undefined) return;
  const named = (place: string) => (place === 'package.json' ? 'package.json (its "nixtag" key)' : place);
  const file = path.relative(root, loaded) || loaded;
  throw new NixtagError('CONFIG_TWICE', messages.configTwice(named(file), named(second)), {
    location: { file: second },
    hint: messages.configTwiceHint(file, second),
  });
}
