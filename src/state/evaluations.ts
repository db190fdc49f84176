import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod/v3';
import type { TreeEntry } from '../git/source.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import { ensureStateDirectory, statePaths } from './paths.js';

/**
 * Remembers evaluations, so that a commit that changes only manifests, or nothing, makes no Nix
 * call. The key is everything that can change a tag except the managed manifests: the tree without
 * them (which holds the expressions, the sources and the pin), the configuration, the Nix binary
 * and nixtag itself. Whether a manifest is a Nix input (a `cleanSource ./.` takes it in) is only
 * believed on evidence: when a change to manifests alone left every tag equal, those paths are
 * learned as non-inputs for the current expressions; until then a changed manifest means a miss.
 */
export interface CacheContext {
  /** Everything outside the tree (state/environment.ts). */
  environment: string;
  entries: readonly TreeEntry[];
  /** Paths of the managed manifests in this tree. */
  manifests: ReadonlySet<string>;
}

const storedEvaluation = z.object({
  name: z.string(),
  outPath: z.string(),
  tag: z.string(),
  warnings: z.array(z.string()),
});

/**
 * The file as written; validated on load, so that anything else (edited by hand, written by
 * another version, `{"entries":null}`) is discarded and rebuilt instead of failing every run.
 */
const storedCache = z.object({
  version: z.literal(1),
  entries: z.record(
    z.object({
      tags: z.record(storedEvaluation),
      manifests: z.record(z.string()),
      used: z.number(),
    }),
  ),
  /** Per fingerprint of the expressions: manifest paths known not to be Nix inputs. */
  nonInputs: z.record(z.array(z.string())),
});

type StoredCache = z.output<typeof storedCache>;

const MAX_ENTRIES = 64;
const EMPTY: StoredCache = { version: 1, entries: {}, nonInputs: {} };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Files that can decide what a Nix source filter keeps: the expressions and ignore files. */
const EXPRESSION_FILE = /(^|\/)([^/]*\.nix|\.gitignore|\.nixpkgs-pin\.json)$/;

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
      this.data = parsed.success ? parsed.data : structuredClone(EMPTY);
    } catch {
      this.data = structuredClone(EMPTY);
    }
    return this.data;
  }

  /** Written whole to a temporary file and renamed: a reader never sees half a cache. */
  private save(): void {
    const data = this.load();
    const kept = Object.entries(data.entries)
      .sort(([, a], [, b]) => b.used - a.used)
      .slice(0, MAX_ENTRIES);
    data.entries = Object.fromEntries(kept);
    ensureStateDirectory(this.gitDir, path.dirname(this.file));
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(data));
    renameSync(temporary, this.file);
  }

  static key(context: CacheContext): { key: string; fingerprint: string; manifests: Record<string, string> } {
    const rest: string[] = [];
    const expressions: string[] = [];
    const manifests: Record<string, string> = {};
    for (const entry of context.entries) {
      if (context.manifests.has(entry.path)) manifests[entry.path] = entry.oid;
      else rest.push(`${entry.mode} ${entry.oid} ${entry.path}`);
      if (EXPRESSION_FILE.test(entry.path)) expressions.push(`${entry.oid} ${entry.path}`);
    }
    return {
      key: sha256(`${context.environment}\n${rest.join('\n')}`),
      fingerprint: sha256(`${context.environment}\n${expressions.join('\n')}`),
      manifests,
    };
  }

  /**
   * Cached tags for this tree, if they are known to hold: the same tree apart from manifests, and
   * every manifest that differs known not to be a Nix input.
   */
  lookup(context: CacheContext): Map<string, ImageEvaluation> | undefined {
    // Tags are stored by evaluation key (engine/evaluation.ts), not by image name.
    const { key, fingerprint, manifests } = EvaluationCache.key(context);
    const entry = this.load().entries[key];
    if (entry === undefined) return undefined;
    const known = new Set(this.load().nonInputs[fingerprint] ?? []);
    const changed = changedPaths(entry.manifests, manifests);
    if (!changed.every((file) => known.has(file))) return undefined;
    entry.used = Date.now();
    return new Map(Object.entries(entry.tags));
  }

  /**
   * Stores fresh tags. If an entry for the same tree existed with other manifests and the tags
   * did not change, the manifests that differ are not inputs: remember that.
   */
  store(context: CacheContext, tags: ReadonlyMap<string, ImageEvaluation>): void {
    const { key, fingerprint, manifests } = EvaluationCache.key(context);
    const data = this.load();
    const previous = data.entries[key];
    let kept: Record<string, ImageEvaluation> = {};
    if (previous !== undefined) {
      const changed = changedPaths(previous.manifests, manifests);
      const sameTags = [...tags].every(([name, tag]) => previous.tags[name]?.tag === tag.tag);
      if (changed.length > 0 && sameTags) {
        data.nonInputs[fingerprint] = [...new Set([...(data.nonInputs[fingerprint] ?? []), ...changed])];
      }
      // Tags of images not evaluated now still hold if nothing they could read changed.
      if (changed.length === 0 || sameTags) kept = previous.tags;
    }
    data.entries[key] = { tags: { ...kept, ...Object.fromEntries(tags) }, manifests, used: Date.now() };
    try {
      this.save();
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}

function changedPaths(before: Record<string, string>, after: Record<string, string>): string[] {
  const paths = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...paths].filter((file) => before[file] !== after[file]).sort();
}
