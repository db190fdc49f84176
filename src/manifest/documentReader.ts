import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type Pair,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

/**
 * A key written more than once in one map. YAML 1.2 forbids it, and the readers a manifest meets
 * disagree on it: yq (PyYAML), Helm (sigs.k8s.io/yaml) and the yaml library take the last;
 * kustomize, Flux, go-yaml v3 and kubectl's strict field validation refuse the file.
 */
export class DuplicateKeyError extends Error {
  constructor(
    readonly key: string,
    /** The key nodes of the first and of the next pair with that key. */
    readonly first: unknown,
    readonly second: unknown,
  ) {
    super(`key ${key} is written twice`);
  }
}

/** Where a reader sees a value: under a key of a map (the one that holds or merges it), or in a list. */
export interface Slot {
  holder: YAMLMap | YAMLSeq;
  key: string | number;
  /** Where it is written, when that is not the holder's pair for `key` (an alias used as a key). */
  at?: number | undefined;
}

/** Two values every reader reads alike: the same node, or scalars of the same value. */
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (isScalar(a) && isScalar(b) && a.value === b.value);
}

/** Merge sources are followed this deep (a merge of a merge of …); real files nest one or two. */
const MAX_MERGE_DEPTH = 16;

/**
 * One YAML document as its readers resolve it: alias keys (`*k : value`) read as the scalar they
 * name, `<<` merge keys (YAML 1.1, which yq, Helm, kubectl and kustomize all apply) bring in the
 * keys a map does not write itself, earlier merge sources winning, and a key written twice is
 * noted (`duplicates`), never silently resolved one way. It also remembers where shapes read each
 * value (`read`), so that a rewrite can tell a value it may change from one an anchor shares with
 * places no shape read.
 */
export class DocumentReader {
  /** Duplicated keys met on the way to a value: an error once the document holds a reference. */
  readonly duplicates: DuplicateKeyError[] = [];
  /** Keys a later `<<` gives another value, met on the way to a value: every document's readers disagree. */
  readonly mergedOver: DuplicateKeyError[] = [];
  private readonly reads = new Map<unknown, Slot[]>();
  private usesByNode: Map<unknown, Slot[]> | undefined;

  constructor(readonly doc: Document) {}

  /** An alias's anchored node; any other node as it is. */
  resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  /** A pair's key as text, an alias key read as the scalar it names; undefined for a collection key. */
  keyOf(pair: Pair): string | undefined {
    const key = this.resolve(pair.key);
    if (!isScalar(key)) return undefined;
    return typeof key.value === 'string' ? key.value : String(key.value);
  }

  /** A plain `<<` key (a quoted one is an ordinary key, as in YAML 1.1). */
  isMerge(pair: Pair): boolean {
    return isScalar(pair.key) && pair.key.value === '<<' && (pair.key.type ?? 'PLAIN') === 'PLAIN';
  }

  /** The pairs a map writes under `key`, merge keys aside. */
  private written(map: YAMLMap, key: string): Pair[] {
    return map.items.filter((pair) => !this.isMerge(pair) && this.keyOf(pair) === key);
  }

  private noteDuplicate(pairs: readonly Pair[], key: string): void {
    if (pairs.length < 2) return;
    if (this.duplicates.some((known) => known.second === pairs[1]!.key)) return;
    this.duplicates.push(new DuplicateKeyError(key, pairs[0]!.key, pairs[1]!.key));
  }

  /**
   * The maps a map merges, in the order they win: of two `<<` keys the later wins (yq applies
   * them in order, as go-yaml v2 does: Helm, kubectl), and in one `<<: [*a, *b]` the earlier.
   */
  private mergeSources(map: YAMLMap, pairs = map.items): YAMLMap[] {
    const merges = pairs.filter((pair) => this.isMerge(pair));
    if (pairs === map.items) this.noteDuplicate(merges, '<<');
    return merges.reverse().flatMap((pair) => {
      const value = this.resolve(pair.value);
      const sources = isSeq(value) ? value.items.map((item) => this.resolve(item)) : [value];
      return sources.filter((source): source is YAMLMap => isMap(source));
    });
  }

  private lookup(map: YAMLMap, key: string, depth: number): unknown {
    const written = this.written(map, key);
    this.noteDuplicate(written, key);
    if (written.length > 0) {
      const last = written.at(-1)!;
      const value = this.resolve(last.value);
      this.noteMergedOver(map, last, key, value, depth);
      return value;
    }
    if (depth >= MAX_MERGE_DEPTH) return undefined;
    for (const source of this.mergeSources(map)) {
      const found = this.lookup(source, key, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * A `<<` written after a key that its sources give another value: go-yaml v2 (Helm's values,
   * kubectl, a kustomization) applies the merge in order, over the key; yq (PyYAML), go-yaml v3
   * and YAML's merge rule keep the key as written. Readers disagree: noted, as a duplicate is.
   */
  private noteMergedOver(map: YAMLMap, written: Pair, key: string, value: unknown, depth: number): void {
    if (depth >= MAX_MERGE_DEPTH) return;
    const after = map.items.slice(map.items.indexOf(written) + 1);
    for (const source of this.mergeSources(map, after)) {
      const merged = this.lookup(source, key, depth + 1);
      if (merged === undefined) continue;
      // The source that wins is what go-yaml v2 ends with.
      if (sameValue(merged, value)) return;
      const mergeKey = after.find((pair) => this.isMerge(pair))!.key;
      if (!this.mergedOver.some((known) => known.second === mergeKey && known.key === key))
        this.mergedOver.push(new DuplicateKeyError(key, written.key, mergeKey));
      return;
    }
  }

  /** The value a reader sees under `key` in `map` (aliases resolved), noted as read there. */
  value(map: YAMLMap, key: string): unknown {
    const found = this.lookup(map, key, 0);
    if (found !== undefined) this.noteRead(found, { holder: map, key });
    return found;
  }

  /** `value`, when it is a scalar. */
  scalar(map: YAMLMap, key: string): Scalar | undefined {
    const found = this.value(map, key);
    return isScalar(found) ? found : undefined;
  }

  /** A dotted path of keys from a map (`image.repository`). */
  at(map: unknown, path: readonly string[]): unknown {
    let node = map;
    for (const key of path) {
      if (!isMap(node)) return undefined;
      node = this.value(node, key);
    }
    return node;
  }

  /** Notes that a shape read `node` at `slot`. */
  noteRead(node: unknown, slot: Slot): void {
    const known = this.reads.get(node);
    if (known === undefined) this.reads.set(node, [slot]);
    else if (!known.some((read) => read.holder === slot.holder && read.key === slot.key)) known.push(slot);
  }

  /**
   * A place where a reader sees `node` that no shape read it at, when an anchor makes it appear
   * in more than one place: a rewrite of `node` would change that place too. Undefined when
   * every place it appears was read.
   */
  unreadUse(node: unknown): Slot | undefined {
    const uses = this.uses().get(node);
    if (uses === undefined || uses.length < 2) return undefined;
    const reads = this.reads.get(node) ?? [];
    return uses.find((use) => !reads.some((read) => read.holder === use.holder && read.key === use.key));
  }

  /** Every place each node appears to a reader: where it is written, aliased, or merged in. */
  private uses(): Map<unknown, Slot[]> {
    if (this.usesByNode !== undefined) return this.usesByNode;
    const uses = new Map<unknown, Slot[]>();
    const add = (node: unknown, slot: Slot) => {
      const target = this.resolve(node);
      const known = uses.get(target);
      if (known === undefined) uses.set(target, [slot]);
      else known.push(slot);
    };
    const visit = (node: unknown, depth: number): void => {
      if (depth > 512) return;
      if (isSeq(node)) {
        node.items.forEach((item, index) => {
          add(item, { holder: node, key: index });
          visit(item, depth + 1);
        });
        return;
      }
      if (!isMap(node)) return;
      const own = new Set<string>();
      for (const pair of node.items) {
        if (this.isMerge(pair)) continue;
        // An alias as a key shows its scalar there too: rewriting that scalar would rename the key.
        if (isAlias(pair.key)) add(pair.key, { holder: node, key: '', at: pair.key.range?.[0] });
        const key = this.keyOf(pair);
        if (key !== undefined) {
          own.add(key);
          add(pair.value, { holder: node, key });
        }
        visit(pair.value, depth + 1);
      }
      // A merged key is seen in the merging map too, unless the map writes it.
      const merged = new Set<string>();
      const mergeFrom = (source: YAMLMap, level: number) => {
        for (const pair of source.items) {
          const key = this.isMerge(pair) ? undefined : this.keyOf(pair);
          if (key !== undefined && !own.has(key) && !merged.has(key)) {
            merged.add(key);
            add(pair.value, { holder: node, key });
          }
        }
        if (level < MAX_MERGE_DEPTH) for (const inner of this.mergeSources(source)) mergeFrom(inner, level + 1);
      };
      for (const source of this.mergeSources(node)) mergeFrom(source, 1);
    };
    visit(this.doc.contents, 0);
    this.usesByNode = uses;
    return uses;
  }
}
