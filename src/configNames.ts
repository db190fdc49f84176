import { distance } from './suggest.js';

/** What a configuration's name starts with, misspelt or not: `nixtag`, `nixtagrc`, `nixtag-config`. */
const STEMS = ['nixtag', 'nixtagrc', 'nixtagconfig'];
/** Formats a configuration is written in; an extension one edit from a longer one counts (`ymal`). */
const FORMATS = ['yaml', 'yml', 'json', 'json5', 'jsonc', 'toml', 'js', 'cjs', 'mjs', 'ts', 'cts', 'mts'];

const isFormat = (extension: string) =>
  FORMATS.some(
    (format) =>
      extension === format || (extension.length >= 3 && format.length >= 3 && distance(extension, format) <= 1),
  );

/**
 * Whether a path of the repository may name nixtag's configuration, rightly or misspelt: a file at
 * the root or in `.config/` whose name starts with nixtag's (an edit or two away: `.nixtgrc.yaml`,
 * `.nixtag-rc.yaml`, `nixtag_config.yaml`), a dotfile or one in `.config/` whatever follows
 * (`.nixtagrc.yaml~`, `.nixtagrc-yaml`), any other in a configuration format (`nixtag.json`, not
 * `nixtag.nix`, `nixtag.sh` or `nixtag-0.1.0.tgz`). The skip decision watches these names
 * (state/judgements.ts) and a run without configuration refuses the misspelt ones
 * (config/nearMisses.ts): the same rule in both places.
 */
export function mayNameConfiguration(file: string): boolean {
  const inConfig = file.startsWith('.config/');
  const name = inConfig ? file.slice('.config/'.length) : file;
  if (name.includes('/')) return false;
  const [stem = '', ...extensions] = name
    .toLowerCase()
    .replace(/^\./, '')
    .replace(/[^a-z0-9.]/g, '')
    .split('.');
  const close = STEMS.some((word) => distance(stem.slice(0, word.length), word) <= (word.length > 6 ? 2 : 1));
  if (!close) return false;
  return inConfig || name.startsWith('.') || extensions.some(isFormat);
}
