import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod/v3';
import type { TreeEntry } from '../types.js';
import type { ScanMemory, ScanRecord } from '../manifest/read.js';
import type { Warning } from '../types.js';
import { packReference, unpackReference, type PackedReference } from './referenceRows.js';
import { nixtagBuild } from '../version.js';
import { ensureStateDirectory, statePaths } from './paths.js';

/*
 * The file is a header line, the scans as one line of JSON, then scans appended by later runs,
 * one per line. Every manifest of a large repository has an entry: validating each with zod on
 * every run cost more than the scans it saves (about 100 ms for 5,000 entries), and rewriting
 * the whole file for one changed manifest cost nearly as much. So the header carries the sha256
 * of the scans line, and each appended line its own: a file cut short, edited by hand or
 * written by another version is discarded (a bad appended line alone is skipped), and what
 * remains is what this version wrote. The file is rewritten whole, dropping old entries, once
 * MAX_APPENDED lines have been appended.
 */

/** The layout of the file; another is discarded. */
const FORMAT = 5;

const header = z.object({
  version: z.literal(FORMAT),
  /** Scans by another nixtag (another parser, other shapes) are not reused. */
  nixtag: z.string(),
  /** Counts the writes; an entry records the last one that used it. */
  generation: z.number(),
  sha256: z.string(),
});

/**
 * One remembered scan: the generation that last used it, explicit or default, the blob, the scan,
 * and the file's stat signature when it was read (read.ts `fileSignature`; null without one).
 */
type Remembered = [
  generation: number,
  explicit: boolean,
  blob: string,
  scanned: StoredRecord,
  signature?: string | null,
];
/** A scan as stored: references packed into rows (referenceRows.ts), about half the JSON to parse. */
type StoredRecord = { rows: PackedReference[] } | { skipped: Warning };

const packRecord = (scanned: ScanRecord): StoredRecord =>
  'skipped' in scanned ? scanned : { rows: scanned.references.map(packReference) };
const unpackRecord = (stored: StoredRecord): ScanRecord =>
  'skipped' in stored ? stored : { references: stored.rows.map(unpackReference) };
/** By path: a path has a few versions (branches, the working tree and the index). */
type Scans = Record<string, Remembered[]>;
interface StoredScans {
  generation: number;
  scans: Scans;
  /** Lines appended since the file was last written whole. */
  appended: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** Git's id of a blob with this content, in the repository's hash (by the length of its ids). */
const blobId = (content: Uint8Array, length: number) =>
  createHash(length === 64 ? 'sha256' : 'sha1')
    .update(`blob ${content.length}\0`)
    .update(content)
    .digest('hex');

/** An entry unused for this many rewrites is dropped: branches switched back to stay cheap. */
const KEPT_GENERATIONS = 8;
/** Lines appended before the file is rewritten whole. */
const MAX_APPENDED = 64;
const HASH_LENGTH = 64;

/** Plain files only: a symlink's blob is its target's name, not the content read through it. */
const REGULAR = new Set(['100644', '100755']);

/**
 * What each manifest held (its references, or why it was skipped) by the blob id of its content,
 * so that a commit that changes no YAML file parses none and one that changes a file parses that
 * file. The key holds the path (shapes read the file name), whether the file was named explicitly
 * (which must parse); each place files are read from has its own file: the user's working tree
 * (their git configuration applies) and nixtag's checkouts (only the tree's attributes do).
 */
export class ScanStore implements ScanMemory {
  private readonly file: string;
  private readonly gitDir: string;
  private readonly blobs: Map<string, string>;
  private data: StoredScans | undefined;
  private readonly used = new Set<Remembered>();
  /** Scans of this run, by path. */
  private fresh: Array<[string, Remembered]> = [];

  /** For nixtag's checkout: the full checkout its files come from (ScanMemory.epoch). */
  readonly epoch: string | undefined;

  constructor(gitDir: string, entries: readonly TreeEntry[], where: 'worktree' | { checkout: string }) {
    this.gitDir = gitDir;
    this.epoch = where === 'worktree' ? undefined : where.checkout;
    this.file = statePaths(gitDir).scans(this.epoch === undefined ? 'worktree' : 'checkout');
    this.blobs = new Map(entries.filter((entry) => REGULAR.has(entry.mode)).map((entry) => [entry.path, entry.oid]));
  }

  private load(): StoredScans {
    if (this.data) return this.data;
    try {
      const [head = '', body = '', ...appended] = readFileSync(this.file, 'utf8').split('\n');
      const parsed = header.safeParse(JSON.parse(head));
      if (parsed.success && parsed.data.nixtag === nixtagBuild() && parsed.data.sha256 === sha256(body)) {
        const { generation } = parsed.data;
        // Without a prototype: a manifest may be named `constructor` or `__proto__`.
        const scans: Scans = Object.assign(Object.create(null) as Scans, JSON.parse(body) as Scans);
        let count = 0;
        for (const line of appended) {
          const json = line.slice(HASH_LENGTH + 1);
          if (line.slice(0, HASH_LENGTH) !== sha256(json)) continue; // cut short by a crash
          const [file, ...entry] = JSON.parse(json) as [string, ...Remembered];
          (scans[file] ??= []).push(entry);
          count++;
        }
        this.data = { generation, scans, appended: count };
      }
    } catch {
      // Missing or unreadable: rebuilt.
    }
    this.data ??= { generation: 0, scans: Object.create(null) as Scans, appended: 0 };
    return this.data;
  }

  recall(file: string, explicit: boolean, signature?: string): ScanRecord | undefined {
    const blob = this.blobs.get(file);
    if (blob === undefined) return undefined;
    // The blob names what git would hash, the signature the file on disk: a file converted on
    // checkout, decrypted by a filter, absent (sparse) or edited behind assume-unchanged keeps
    // its blob id but not its signature.
    const entry = this.load().scans[file]?.find(
      (stored) => stored[2] === blob && stored[1] === explicit && (stored[4] ?? undefined) === signature,
    );
    if (entry === undefined) return undefined;
    this.used.add(entry);
    return unpackRecord(entry[3]);
  }

  remember(file: string, explicit: boolean, content: Uint8Array, scanned: ScanRecord, signature?: string): void {
    const blob = this.blobs.get(file);
    // Only what was read is remembered, under the id of what was read: a file edited since git
    // hashed it (or converted on checkout: eol attributes, autocrlf) is scanned again next time.
    if (blob === undefined || blobId(content, blob.length) !== blob) return;
    this.fresh.push([file, [this.load().generation + 1, explicit, blob, packRecord(scanned), signature ?? null]]);
  }

  /**
   * Keeps what this run scanned, when it scanned anything: appended, or once enough lines were,
   * the whole file written to a temporary file and renamed.
   */
  save(): void {
    if (this.fresh.length === 0) return;
    const data = this.load();
    try {
      ensureStateDirectory(this.gitDir, path.dirname(this.file));
      if (data.generation > 0 && data.appended + this.fresh.length <= MAX_APPENDED) {
        const lines = this.fresh.map(([file, entry]) => {
          const json = JSON.stringify([file, ...entry]);
          return `\n${sha256(json)} ${json}`;
        });
        appendFileSync(this.file, lines.join(''));
        data.appended += this.fresh.length;
        for (const [file, entry] of this.fresh) (data.scans[file] ??= []).push(entry);
      } else {
        this.rewrite(data);
      }
    } catch {
      // A memory that cannot be written only costs time.
    }
    this.fresh = [];
  }

  private rewrite(data: StoredScans): void {
    const generation = data.generation + 1;
    const scans = Object.create(null) as Scans;
    for (const [file, entries] of Object.entries(data.scans)) {
      const kept = entries.flatMap((entry): Remembered[] => {
        if (this.used.has(entry)) return [[generation, entry[1], entry[2], entry[3], entry[4]]];
        return entry[0] > generation - KEPT_GENERATIONS ? [entry] : [];
      });
      if (kept.length > 0) scans[file] = kept;
    }
    for (const [file, entry] of this.fresh)
      (scans[file] ??= []).push([generation, entry[1], entry[2], entry[3], entry[4]]);
    const body = JSON.stringify(scans);
    const head = JSON.stringify({ version: FORMAT, nixtag: nixtagBuild(), generation, sha256: sha256(body) });
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, `${head}\n${body}`);
      renameSync(temporary, this.file);
    } catch (error) {
      rmSync(temporary, { force: true }); // a directory in the way, a full disk: no file per run
      throw error;
    }
    this.data = { generation, scans, appended: 0 };
  }
}
