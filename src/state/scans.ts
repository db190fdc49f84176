import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod/v3';
import type { TreeEntry } from '../git/source.js';
import type { ScanMemory, ScanRecord } from '../manifest/read.js';
import { nixtagVersion } from '../version.js';
import { ensureStateDirectory, statePaths } from './paths.js';

/**
 * The file is a header line, then the scans as JSON. Every manifest of a large repository has an
 * entry, and validating each with zod on every run cost more than the scans it saves (about
 * 100 ms for 5,000 entries), so the header carries the body's sha256 instead: a file cut short,
 * edited by hand or written by another version is discarded and rebuilt, and a body whose hash
 * matches is one this version wrote.
 */
const header = z.object({
  version: z.literal(1),
  /** Scans by another nixtag (another parser, other shapes) are not reused. */
  nixtag: z.string(),
  /** Counts the writes; an entry records the last one that used it. */
  generation: z.number(),
  sha256: z.string(),
});

/** By key: the generation that last used it, and the scan. */
type Scans = Record<string, [number, ScanRecord]>;
interface StoredScans {
  generation: number;
  scans: Scans;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** An entry unused for this many writes is dropped: branches switched back to stay cheap. */
const KEPT_GENERATIONS = 8;

/** Plain files only: a symlink's blob is its target's name, not the content read through it. */
const REGULAR = new Set(['100644', '100755']);

/**
 * What each manifest held (its references, or why it was skipped) by the blob id of its content,
 * so that a commit that changes no YAML file parses none and one that changes a file parses that
 * file. The key holds the path (shapes read the file name), whether the file was named explicitly
 * (which must parse), and where it was read: the user's working tree (their git configuration
 * applies) or nixtag's checkout (only the tree's attributes do).
 */
export class ScanStore implements ScanMemory {
  private readonly file: string;
  private readonly gitDir: string;
  private readonly blobs: Map<string, string>;
  private readonly where: string;
  private data: StoredScans | undefined;
  private readonly used = new Set<string>();
  private readonly fresh = new Map<string, ScanRecord>();

  constructor(gitDir: string, entries: readonly TreeEntry[], where: 'worktree' | 'checkout') {
    this.gitDir = gitDir;
    this.file = statePaths(gitDir).scans;
    this.where = where;
    this.blobs = new Map(entries.filter((entry) => REGULAR.has(entry.mode)).map((entry) => [entry.path, entry.oid]));
  }

  private load(): StoredScans {
    if (this.data) return this.data;
    try {
      const text = readFileSync(this.file, 'utf8');
      const newline = text.indexOf('\n');
      const parsed = header.safeParse(JSON.parse(text.slice(0, newline)));
      const body = text.slice(newline + 1);
      if (parsed.success && parsed.data.nixtag === nixtagVersion() && parsed.data.sha256 === sha256(body)) {
        this.data = { generation: parsed.data.generation, scans: JSON.parse(body) as Scans };
      }
    } catch {
      // Missing or unreadable: rebuilt.
    }
    this.data ??= { generation: 0, scans: {} };
    return this.data;
  }

  private key(file: string, explicit: boolean): string | undefined {
    const blob = this.blobs.get(file);
    return blob === undefined ? undefined : `${this.where}\0${explicit ? 'named' : 'default'}\0${blob}\0${file}`;
  }

  recall(file: string, explicit: boolean): ScanRecord | undefined {
    const key = this.key(file, explicit);
    const stored = key === undefined ? undefined : this.load().scans[key];
    if (stored === undefined) return undefined;
    this.used.add(key!);
    return stored[1];
  }

  remember(file: string, explicit: boolean, scanned: ScanRecord): void {
    const key = this.key(file, explicit);
    if (key !== undefined) this.fresh.set(key, scanned);
  }

  /** Writes what this run scanned, when it scanned anything: whole, to a temporary file renamed. */
  save(): void {
    if (this.fresh.size === 0) return;
    const data = this.load();
    const generation = data.generation + 1;
    const scans: Scans = {};
    for (const [key, entry] of Object.entries(data.scans)) {
      if (this.used.has(key)) scans[key] = [generation, entry[1]];
      else if (entry[0] > generation - KEPT_GENERATIONS) scans[key] = entry;
    }
    for (const [key, scanned] of this.fresh) scans[key] = [generation, scanned];
    this.data = { generation, scans };
    try {
      const body = JSON.stringify(scans);
      const head = JSON.stringify({ version: 1, nixtag: nixtagVersion(), generation, sha256: sha256(body) });
      ensureStateDirectory(this.gitDir, path.dirname(this.file));
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${head}\n${body}`);
      renameSync(temporary, this.file);
    } catch {
      // A memory that cannot be written only costs time.
    }
    this.fresh.clear();
  }
}
