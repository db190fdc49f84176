import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod/v3';
import type { TreeEntry } from '../types.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import { inputKey, type InputSet } from './inputKey.js';
import { ensureStateDirectory, statePaths } from './paths.js';

/**
 * The file as written; validated on load (zod), so that anything else (edited by hand, cut
 * short, written by another version, `{"entries":null}`) is discarded and rebuilt instead of
 * failing every run.
 */
const storedCache = z.object({
  version: z.literal(2),
  records: z.array(
    z.object({
      /** Hash of the run environment (state/environment.ts). */
      environment: z.string(),
      inputs: z.object({ paths: z.array(z.string()), wholeTree: z.string().optional() }),
      /** The inputs' object ids in the tree that was evaluated. */
      key: z.string(),
      /** Tags by evaluation key (engine/evaluation.ts). */
      tags: z.record(
        z
          .object({ name: z.string(), outPath: z.string(), tag: z.string(), warnings: z.array(z.string()) })
          .passthrough(),
      ),
      used: z.number(),
    }),
  ),
});

type StoredCache = { version: 2; records: StoredRecord[] };
interface StoredRecord {
  environment: string;
  inputs: InputSet;
  key: string;
  tags: Record<string, ImageEvaluation>;
  used: number;
}

const MAX_RECORDS = 32;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Remembers evaluations with what they read, so that a commit that changes none of an image's
 * inputs (only manifests, a README, another service) makes no Nix call. An entry holds when the
 * run environment is the same and its recorded inputs have the same object ids in the judged
 * tree: Nix computes the same tag from the same inputs.
 */
export class EvaluationCache {
  private readonly file: string;
  private data: StoredCache | undefined;

  private readonly gitDir: string;

  constructor(gitDir: string) {
    this.gitDir = gitDir;
    this.file = statePaths(gitDir).evaluations;
  }

  private load(): StoredCache {
    if (this.data) return this.data;
    try {
      const parsed = storedCache.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      this.data = parsed.success ? (parsed.data as StoredCache) : undefined;
    } catch {
      this.data = undefined;
    }
    this.data ??= { version: 2, records: [] };
    return this.data;
  }

  /** Written whole to a temporary file and renamed: a reader never sees half a cache. */
  private save(): void {
    const data = this.load();
    data.records = data.records.sort((a, b) => b.used - a.used).slice(0, MAX_RECORDS);
    ensureStateDirectory(this.gitDir, path.dirname(this.file));
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(data));
    renameSync(temporary, this.file);
  }

  /**
   * Tags for every one of `keys` from one record whose inputs are unchanged in `entries`, with
   * those inputs; undefined when no record covers them all.
   */
  lookup(
    environment: string,
    entries: readonly TreeEntry[],
    keys: readonly string[],
  ): { tags: Map<string, ImageEvaluation>; inputs: InputSet } | undefined {
    const env = sha256(environment);
    const computed = new Map<string, string>();
    for (const record of this.load().records) {
      if (record.environment !== env || !keys.every((key) => record.tags[key] !== undefined)) continue;
      const id = JSON.stringify(record.inputs);
      let current = computed.get(id);
      if (current === undefined) computed.set(id, (current = inputKey(record.inputs, entries)));
      if (current !== record.key) continue;
      record.used = Date.now();
      return { tags: new Map(Object.entries(record.tags)), inputs: record.inputs };
    }
    return undefined;
  }

  /** Stores fresh tags with the inputs they were computed from, keyed in the evaluated tree's `entries`. */
  store(
    environment: string,
    inputs: InputSet,
    entries: readonly TreeEntry[],
    tags: ReadonlyMap<string, ImageEvaluation>,
  ): void {
    const data = this.load();
    const key = inputKey(inputs, entries);
    const env = sha256(environment);
    const id = JSON.stringify(inputs);
    const same = data.records.find(
      (record) => record.environment === env && record.key === key && JSON.stringify(record.inputs) === id,
    );
    if (same !== undefined) {
      Object.assign(same.tags, Object.fromEntries(tags));
      same.used = Date.now();
    } else {
      data.records.push({ environment: env, inputs, key, tags: Object.fromEntries(tags), used: Date.now() });
    }
    try {
      this.save();
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}
