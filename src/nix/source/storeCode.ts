import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Code Nix parsed from the store, where the repository may have put it: text written by
 * `import (builtins.toFile "f.nix" "p: …")`, a file copied whole (`import (builtins.path { path =
 * ./f.txt; })`) or inside a copied directory (`import "${./code}/f.txt"`). No literal leads the
 * reader to it, yet it runs with the paths the repository's files pass it.
 */
export interface StoreCode {
  /** The text of each parsed file that is a store path itself, named by its store name. */
  files: Array<{ name: string; text: string }>;
  /** Each parsed file's path inside its store directory, but a `.nix` file's: `f.txt` of a copy of `./code`. */
  within: string[];
  /** A parsed store file that could not be read: what it does is unknown. */
  unreadable?: string;
}

/** `<store>/<hash>-<name>[/<within>]`: a store path, and the file's place in it. */
const STORE_PATH = /\/[0-9a-df-np-sv-z]{32}-(?<name>[^/]+)(?:\/(?<within>.+))?$/;

/** The store code among `files`, the absolute paths Nix parsed outside the checkout. */
export async function storeCode(files: readonly string[]): Promise<StoreCode> {
  const found: StoreCode = { files: [], within: [] };
  const within = new Set<string>();
  await Promise.all(
    files.map(async (file) => {
      const match = STORE_PATH.exec(file);
      if (match === null) return;
      const inside = match.groups!.within;
      if (inside !== undefined) {
        // A .nix file under an input is followed already (and a fetched nixpkgs is thousands of them).
        if (!inside.endsWith('.nix')) within.add(inside.split(path.sep).join('/'));
        return;
      }
      // A fetched file (`import (fetchurl …)`) is read too: over-approximating, as it may be the repository's.
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) found.unreadable ??= file;
      else found.files.push({ name: path.basename(file), text });
    }),
  );
  found.files.sort((one, other) => one.name.localeCompare(other.name));
  found.within = [...within].sort();
  return found;
}
