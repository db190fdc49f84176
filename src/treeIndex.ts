import type { TreeEntry } from './types.js';

/**
 * A tree's entries sorted by path, so that what lies at or under a path is found by two binary
 * searches: a key over a few inputs, or the Nix files under a directory an expression names,
 * costs the entries they cover, not a pass over 100,000 files. Built once per tree.
 */
export class TreeIndex {
  /** Sorted by path (UTF-16 code units: git's byte order except beyond the BMP, then sorted again). */
  readonly entries: readonly TreeEntry[];
  private readonly named = new Map<ReadonlySet<string>, TreeEntry[]>();

  private constructor(entries: readonly TreeEntry[], sorted = isSorted(entries)) {
    this.entries = sorted ? entries : [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The index of `entries`, or `entries` itself when it is one already. */
  static of(entries: TreeIndex | readonly TreeEntry[]): TreeIndex {
    return entries instanceof TreeIndex ? entries : new TreeIndex(entries);
  }

  /**
   * The index of a tree's files and gitlinks, each listed in git's order, merged in one pass;
   * `sorted`: that order is JavaScript's too (tree/listing.ts), so it is not checked again.
   */
  static merged(first: readonly TreeEntry[], second: readonly TreeEntry[], sorted?: boolean): TreeIndex {
    if (second.length === 0) return new TreeIndex(first, sorted);
    const all: TreeEntry[] = [];
    let a = 0;
    let b = 0;
    while (a < first.length || b < second.length) {
      const take = b >= second.length || (a < first.length && first[a]!.path < second[b]!.path);
      all.push(take ? first[a++]! : second[b++]!);
    }
    return new TreeIndex(all, sorted);
  }

  /** The entry at exactly `file`. */
  at(file: string): TreeEntry | undefined {
    const position = this.positionOf(file);
    return position === undefined ? undefined : this.entries[position];
  }

  /** The position of the entry at exactly `file`. */
  positionOf(file: string): number | undefined {
    const index = this.lowerBound(file);
    return this.entries[index]?.path === file ? index : undefined;
  }

  /** Positions [from, to) of the entries under the directory `directory` ('' for all of them). */
  rangeUnder(directory: string): [number, number] {
    if (directory === '') return [0, this.entries.length];
    // Under `dir/`: from `dir/` up to `dir0`, '0' being the code unit after '/'.
    return [this.lowerBound(`${directory}/`), this.lowerBound(`${directory}0`)];
  }

  /** The entries under the directory `directory` ('' for all of them). */
  under(directory: string): readonly TreeEntry[] {
    const [from, to] = this.rangeUnder(directory);
    return this.entries.slice(from, to);
  }

  /** The entries whose base name is one of `names` (found in one pass, remembered per set). */
  withBaseName(names: ReadonlySet<string>): readonly TreeEntry[] {
    let found = this.named.get(names);
    if (found === undefined) {
      // Tested by their ends, without cutting a base name out of 100,000 paths.
      const endings = [...names].map((name) => [name, `/${name}`] as const);
      found = this.entries.filter((entry) =>
        endings.some(([name, under]) => entry.path === name || entry.path.endsWith(under)),
      );
      this.named.set(names, found);
    }
    return found;
  }

  /** The first position whose path is not below `file`. */
  private lowerBound(file: string): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle]!.path < file) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function isSorted(entries: readonly TreeEntry[]): boolean {
  for (let index = 1; index < entries.length; index++) {
    if (entries[index - 1]!.path > entries[index]!.path) return false;
  }
  return true;
}
