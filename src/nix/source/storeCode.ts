import { access, readFile } from 'node:fs/promises';
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
  /**
   * The `.nix` files Nix parsed inside fetched store trees (a pinned library's `lib/default.nix`),
   * by their absolute paths: what they read of the environment or the time moves the tag as the
   * repository's own files do. A nixpkgs tree's (and `settled` ones: the pin's) are left out:
   * nixpkgs reads `HOME` and its `NIXPKGS_*` variables, which the pin and the scrubbed
   * environment settle (docs/tag-derivation.md).
   */
  fetched: Array<{ file: string; text: string }>;
}

/** `<store>/<hash>-<name>[/<within>]`: a store path, and the file's place in it. */
const STORE_PATH = /\/[0-9a-df-np-sv-z]{32}-(?<name>[^/]+)(?:\/(?<within>.+))?$/;

/** Files that only a nixpkgs tree (or its `lib/` alone, as nixpkgs.lib publishes it) holds together. */
const NIXPKGS_MARKS = [
  ['lib/trivial.nix', 'lib/fixed-points.nix', 'lib/default.nix'],
  ['trivial.nix', 'fixed-points.nix', 'default.nix'],
];

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Whether the store tree `tree` is nixpkgs (or its lib): its reads of the environment are settled. */
async function isNixpkgs(tree: string): Promise<boolean> {
  for (const marks of NIXPKGS_MARKS) {
    if ((await Promise.all(marks.map((mark) => exists(path.join(tree, mark))))).every(Boolean)) return true;
  }
  return false;
}

/**
 * The store code among `files`, the absolute paths Nix parsed outside the checkout. `settled`:
 * store trees whose reads are settled however they look (the pin's nixpkgs).
 */
export async function storeCode(files: readonly string[], settled: readonly string[] = []): Promise<StoreCode> {
  const found: StoreCode = { files: [], within: [], fetched: [] };
  const within = new Set<string>();
  const trees = new Map<string, Promise<boolean>>(settled.map((tree) => [tree, Promise.resolve(true)]));
  await Promise.all(
    files.map(async (file) => {
      const match = STORE_PATH.exec(file);
      if (match === null) return;
      const inside = match.groups!.within;
      if (inside !== undefined) {
        // Its inputs are the repository's only through a copy of its files, which are followed already.
        if (!inside.endsWith('.nix')) within.add(inside.split(path.sep).join('/'));
        else {
          const tree = file.slice(0, file.length - inside.length - 1);
          if (!trees.has(tree)) trees.set(tree, isNixpkgs(tree));
          if (await trees.get(tree)) return;
          const text = await readFile(file, 'utf8').catch(() => undefined);
          if (text === undefined) found.unreadable ??= file;
          else found.fetched.push({ file, text });
        }
        return;
      }
      // A fetched file (`import (fetchurl …)`) is read too: over-approximating, as it may be the repository's.
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) found.unreadable ??= file;
      else found.files.push({ name: path.basename(file), text });
    }),
  );
  found.files.sort((one, other) => one.name.localeCompare(other.name));
  found.fetched.sort((one, other) => one.file.localeCompare(other.file));
  found.within = [...within].sort();
  return found;
}
