import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod/v3';
import type { TreeEntry } from '../types.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import { unionOf } from '../nix/source/inputSet.js';
import { TreeIndex } from '../treeIndex.js';
import { inputKey, type InputSet } from './inputKey.js';
import { ensureStateDirectory, statePaths } from './paths.js';

/**
 * The file is a header line, then the records as one line of JSON. With a record per image (200
 * images, eight versions each) validating every record with zod on every run cost more than
 * reading them; the header carries the version and the sha256 of the records line instead, so
 * that anything else (edited by hand, cut short, written by another version) is discarded and
 * rebuilt rather than failing every run, and what remains is what this version wrote.
 */
const FORMAT = 3;
const header = z.object({ version: z.literal(FORMAT), sha256: z.string() });

interface StoredCache {
  records: StoredRecord[];
}
interface StoredRecord {
  /** Hash of the run environment (state/environment.ts). */
  environment: string;
  inputs: InputSet;
  /** The inputs' object ids in the tree that was evaluated. */
  key: string;
  /** Tags by evaluation key (engine/evaluation.ts). */
  tags: Record<string, ImageEvaluation>;
  used: number;
}

/** Versions kept per evaluation key (branches, the index and the working tree, recent edits). */
const VERSIONS_PER_KEY = 8;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Most recently used first; of two used in the same millisecond, the one stored later. */
const latestFirst = (records: readonly StoredRecord[]) =>
  records
    .map((record, index) => ({ record, index }))
    .sort((a, b) => b.record.used - a.record.used || b.index - a.index)
    .map(({ record }) => record);

/** Fresh tags with the inputs they were computed from: images whose inputs are the same share one. */
export interface EvaluationRecord {
  inputs: InputSet;
  /** By evaluation key (engine/evaluation.ts). */
  tags: ReadonlyMap<string, ImageEvaluation>;
}

/** A tag from the cache, with the inputs it was computed from. */
export interface CachedTag {
  evaluation: ImageEvaluation;
  inputs: InputSet;
}

/**
 * Remembers evaluations with what they read, image by image, so that a commit that changes none
 * of an image's inputs (only manifests, a README, another service) makes no Nix call for it. A
 * record holds when the run environment is the same and its recorded inputs have the same object
 * ids in the judged tree: Nix computes the same tag from the same inputs.
 */
export class EvaluationCache {
  private readonly file: string;
  private data: StoredCache | undefined;
  private readonly gitDir: string;
  /** Input keys computed in this run, by tree and input set: each is asked once. */
  private readonly keys = new WeakMap<TreeIndex, Map<string, string>>();

  constructor(gitDir: string) {
    this.gitDir = gitDir;
    this.file = statePaths(gitDir).evaluations;
  }

  private load(): StoredCache {
    if (this.data) return this.data;
    try {
      const [head = '', body = ''] = readFileSync(this.file, 'utf8').split('\n');
      const parsed = header.safeParse(JSON.parse(head));
      if (parsed.success && parsed.data.sha256 === sha256(body)) {
        const records = JSON.parse(body) as unknown;
        if (Array.isArray(records)) this.data = { records: records as StoredRecord[] };
      }
    } catch {
      // Missing or unreadable: rebuilt.
    }
    this.data ??= { records: [] };
    return this.data;
  }

  /**
   * Written whole to a temporary file and renamed: a reader never sees half a cache. Each key
   * keeps its most recently used versions; a record none of whose keys keeps it goes.
   */
  private save(): void {
    const data = this.load();
    const versions = new Map<string, number>();
    // Kept oldest first, as they were stored: the order breaks ties in `used`.
    data.records = latestFirst(data.records)
      .filter((record) => {
        const keys = Object.keys(record.tags);
        const kept = keys.some((key) => (versions.get(key) ?? 0) < VERSIONS_PER_KEY);
        if (kept) for (const key of keys) versions.set(key, (versions.get(key) ?? 0) + 1);
        return kept;
      })
      .reverse();
    ensureStateDirectory(this.gitDir, path.dirname(this.file));
    const temporary = `${this.file}.${process.pid}.tmp`;
    const body = JSON.stringify(data.records);
    writeFileSync(temporary, `${JSON.stringify({ version: FORMAT, sha256: sha256(body) })}\n${body}`);
    renameSync(temporary, this.file);
  }

  /** The key of `inputs` in `tree`, computed once per run. */
  private keyOf(inputs: InputSet, tree: TreeIndex, id = JSON.stringify(inputs)): string {
    let known = this.keys.get(tree);
    if (known === undefined) this.keys.set(tree, (known = new Map()));
    let key = known.get(id);
    if (key === undefined) known.set(id, (key = inputKey(inputs, tree)));
    return key;
  }

  /**
   * For each of `keys` that a record answers (its inputs are unchanged in `entries`), the tag and
   * those inputs. Each record is looked at once and its key computed from the entries it covers:
   * the cost is the records and their inputs, not the images times the files.
   */
  answers(
    environment: string,
    entries: TreeIndex | readonly TreeEntry[],
    keys: readonly string[],
  ): Map<string, CachedTag> {
    const tree = TreeIndex.of(entries);
    const env = sha256(environment);
    const wanted = new Set(keys);
    const found = new Map<string, CachedTag>();
    for (const record of latestFirst(this.load().records)) {
      if (record.environment !== env) continue;
      if (found.size === wanted.size) break;
      const answered = Object.keys(record.tags).filter((key) => wanted.has(key) && !found.has(key));
      if (answered.length === 0 || this.keyOf(record.inputs, tree) !== record.key) continue;
      record.used = Date.now();
      for (const key of answered) found.set(key, { evaluation: record.tags[key]!, inputs: record.inputs });
    }
    return found;
  }

  /**
   * Tags for every one of `keys`, each from a record whose inputs are unchanged in `entries`,
   * with the inputs of them all; undefined unless every key is answered.
   */
  lookup(
    environment: string,
    entries: TreeIndex | readonly TreeEntry[],
    keys: readonly string[],
  ): { tags: Map<string, ImageEvaluation>; inputs: InputSet } | undefined {
    const found = this.answers(environment, entries, keys);
    if (!keys.every((key) => found.has(key))) return undefined;
    return {
      tags: new Map([...found].map(([key, cached]) => [key, cached.evaluation])),
      inputs: unionOf([...found.values()].map((cached) => cached.inputs)),
    };
  }

  /**
   * What the latest evaluation of each of `keys` read, in whichever tree it ran: a guess at what
   * evaluating them again reads (an edit may reach other files). Undefined unless every key has one.
   */
  lastInputs(environment: string, keys: readonly string[]): InputSet | undefined {
    const env = sha256(environment);
    const wanted = new Set(keys);
    const found: InputSet[] = [];
    for (const record of latestFirst(this.load().records)) {
      if (wanted.size === 0) break;
      if (record.environment !== env) continue;
      const answered = Object.keys(record.tags).filter((key) => wanted.delete(key));
      if (answered.length > 0) found.push(record.inputs);
    }
    return wanted.size > 0 || found.length === 0 ? undefined : unionOf(found);
  }

  /** Stores fresh tags with the inputs they were computed from, keyed in the evaluated tree's `entries`. */
  store(environment: string, entries: TreeIndex | readonly TreeEntry[], fresh: readonly EvaluationRecord[]): void {
    const data = this.load();
    const tree = TreeIndex.of(entries);
    const env = sha256(environment);
    const existing = new Map(
      data.records.map((record) => [`${record.environment} ${record.key} ${JSON.stringify(record.inputs)}`, record]),
    );
    for (const { inputs, tags } of fresh) {
      const id = JSON.stringify(inputs);
      const key = this.keyOf(inputs, tree, id);
      const same = existing.get(`${env} ${key} ${id}`);
      if (same !== undefined) {
        Object.assign(same.tags, Object.fromEntries(tags));
        same.used = Date.now();
      } else {
        const record = { environment: env, inputs, key, tags: Object.fromEntries(tags), used: Date.now() };
        data.records.push(record);
        existing.set(`${env} ${key} ${id}`, record);
      }
    }
    try {
      this.save();
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}
