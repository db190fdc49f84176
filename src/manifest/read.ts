import { statSync, type BigIntStats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { MAX_MANIFEST_BYTES, readRegularFile, type FileBytes } from '../regularFile.js';
import type { Warning } from '../types.js';
import { decodeManifest } from './decode.js';
import { readReference, summarize, type ReferenceSummary } from './resolve.js';
import { scanManifest, type ScanOptions, type ScannedManifest } from './scan.js';

/** What the scan of one manifest found: its references (maybe none), or why it was skipped. */
export type ScanRecord = { references: ReferenceSummary[] } | { skipped: Warning };

/**
 * Scans remembered by the caller (state/scans.ts, by blob id): a file it answers for is neither
 * read nor parsed. It answers only for content it can name, never for a symlink.
 */
export interface ScanMemory {
  /**
   * Set when the files are nixtag's own checkout: they change only with their blob, or all at
   * once in a new full checkout, which `epoch` names. Then it is every file's signature, and no
   * file is looked at; otherwise each file's stat is (fileSignature).
   */
  readonly epoch?: string | undefined;
  /** `signature`: the file's as it is now (fileSignature); a scan is recalled only for the same. */
  recall(file: string, explicit: boolean, signature?: string): ScanRecord | undefined;
  /**
   * `content` is what was scanned: remembered only if it is the content the memory names;
   * `signature` is the file's, taken before it was read.
   */
  remember(file: string, explicit: boolean, content: Uint8Array, record: ScanRecord, signature?: string): void;
}

/**
 * Which file is on disk, as git's index tells a changed file: device, inode, size, and the
 * modification and change times in nanoseconds (any write, or a file replaced, changes one).
 */
function fileSignature(stats: BigIntStats | undefined): string | undefined {
  if (stats === undefined || !stats.isFile()) return undefined;
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/**
 * A manifest nixtag reads but must not write: a symlink out of the repository, a file a sparse
 * checkout leaves out of the work tree (read from the judged tree, where its content is), or a
 * file of a submodule that a kustomization deploys (another repository's).
 */
export interface ReadOnly {
  code: 'SYMLINK_OUTSIDE_REPOSITORY' | 'NOT_CHECKED_OUT' | 'IN_SUBMODULE';
  message: string;
  hint: string;
  /** The submodule whose file it is (IN_SUBMODULE). */
  submodule?: string | undefined;
}

export interface ManifestFile {
  file: string;
  /** The file to write: the manifest itself, or the file its symlink names. */
  target: string;
  /** Why the target must not be written, if so. */
  readOnly: ReadOnly | undefined;
  /** The occurrences that read as references, in the file's order. */
  references: ReferenceSummary[];
  /** The manifest as parsed in this run; undefined when its scan was remembered (parseManifest reads it). */
  parsed: ScannedManifest | undefined;
}

interface Read extends ManifestFile {
  symlink: boolean;
}

/** How a file is read: named by the configuration (it must parse), and what else its scan needs to know. */
export interface ReadScope {
  explicit: boolean;
  scan?: ScanOptions | undefined;
}

/** Files read at once: enough to keep the disk busy, few enough to bound open descriptors. */
const READ_BATCH = 64;

interface Reading {
  root: string;
  /** The root with symlinks resolved, where a regular file's target is. */
  realRoot: string;
  memory: ScanMemory | undefined;
  /** The judged tree's files, for a tracked file the work tree does not have (a sparse checkout). */
  judgedCopy?: (() => Promise<string>) | undefined;
}

/**
 * A file whose scan `memory` remembers, neither read nor parsed: the entry, or its warning if it
 * was skipped; null if it is not remembered. (Thousands may be recalled per run: nothing here
 * allocates more than the entry.)
 */
function recalled<Scope>(
  reading: Reading,
  file: string,
  scope: Scope & ReadScope,
): (Read & { scope: Scope }) | Warning | null {
  // A scan read with other files' help (a chart's) is not this file's alone to remember.
  if (reading.memory === undefined || scope.scan !== undefined) return null;
  const signature =
    reading.memory.epoch ??
    fileSignature(statSync(`${reading.root}/${file}`, { bigint: true, throwIfNoEntry: false }) ?? undefined);
  if (signature === undefined) return null;
  const remembered = reading.memory.recall(file, scope.explicit, signature);
  if (remembered === undefined) return null;
  if ('skipped' in remembered) return remembered.skipped;
  // A path in git's form under the real root: string concatenation, not path.join.
  const target = `${reading.realRoot}/${file}`;
  const { references } = remembered;
  return { file, target, readOnly: undefined, symlink: false, references, parsed: undefined, scope };
}

async function readJudgedCopy(
  reading: Reading,
  file: string,
  scope: ReadScope,
  warnings: Warning[],
): Promise<Read | undefined> {
  const root = await reading.judgedCopy!();
  const read = await readOne({ root, realRoot: await realpath(root), memory: undefined }, file, scope, warnings);
  const readOnly = {
    code: 'NOT_CHECKED_OUT',
    message: messages.notCheckedOut(file),
    hint: messages.notCheckedOutHint(file),
  } as const;
  return read && { ...read, readOnly };
}

/** Why a file was not read: a file the configuration names, or one about to be rewritten, is refused. */
function unreadableError(file: string, read: Exclude<FileBytes, { bytes: Buffer }>): NixtagError {
  return 'notRegular' in read
    ? new NixtagError('MANIFEST_UNREADABLE', messages.skippedNotRegular(file, read.notRegular), {
        location: { file },
        hint: messages.notRegularHint(),
      })
    : new NixtagError(
        'YAML_LIMIT',
        messages.skippedTooLarge(file, messages.tooLarge(read.tooLarge, MAX_MANIFEST_BYTES)),
        {
          location: { file },
          hint: messages.unreadLimitHint(),
        },
      );
}

/**
 * A manifest that is not a regular file (a symlink to a device, a FIFO, a socket) or is too large
 * to be one: never read. In the default set it is skipped with a warning; one too large is refused
 * where it matters (a limit, engine/unread.ts: git grep finds the managed image it names).
 */
function unreadable(file: string, read: Exclude<FileBytes, { bytes: Buffer }>): Warning {
  if ('notRegular' in read) return { file, line: null, message: messages.skippedNotRegular(file, read.notRegular) };
  const why = messages.tooLarge(read.tooLarge, MAX_MANIFEST_BYTES);
  return { file, line: null, message: messages.skippedTooLarge(file, why), unparsed: { why, limit: true } };
}

async function readOne(
  reading: Reading,
  file: string,
  { explicit, scan }: ReadScope,
  warnings: Warning[],
): Promise<Read | undefined> {
  const { root, realRoot } = reading;
  const memory = scan === undefined ? reading.memory : undefined;
  const absolute = path.join(root, file);
  let read: FileBytes;
  // Taken before the read: a write after it changes the file's signature, and the next run reads it.
  // None (the stat failed): the scan is not remembered, and the read below reports the failure.
  const signature =
    memory && (memory.epoch ?? fileSignature(await stat(absolute, { bigint: true }).catch(() => undefined)));
  try {
    read = await readRegularFile(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const link = await lstat(absolute).catch(() => undefined); // only tells a dangling symlink
    if (code === 'ENOENT' && link?.isSymbolicLink()) {
      if (explicit)
        throw new NixtagError('MANIFEST_UNREADABLE', messages.danglingSymlink(file), { location: { file } });
      warnings.push({ file, line: null, message: messages.danglingSymlink(file) });
      return undefined;
    }
    // Tracked, in the judged tree, and not in the work tree: left out by a sparse checkout, so
    // the commit keeps the content the judged tree has. Read there, never written.
    if (code === 'ENOENT' && reading.judgedCopy !== undefined)
      return readJudgedCopy(reading, file, { explicit, scan }, warnings);
    if (code === 'ENOENT') return undefined; // tracked but deleted in the work tree
    throw new NixtagError('MANIFEST_UNREADABLE', messages.manifestUnreadable(file, (error as Error).message), {
      location: { file },
      cause: error,
    });
  }
  if (!('bytes' in read)) {
    if (explicit) throw unreadableError(file, read);
    warnings.push(unreadable(file, read));
    return undefined;
  }
  const { bytes } = read;
  const skip = (warning: Warning) => {
    warnings.push(warning);
    memory?.remember(file, explicit, bytes, { skipped: warning }, signature);
    return undefined;
  };
  const decoded = decodeManifest(bytes);
  if ('undecodable' in decoded) {
    return skip({ file, line: null, message: messages.skippedUndecodable(file, decoded.undecodable) });
  }
  const outcome = scanManifest(file, decoded.text, explicit, { ...scan, encoding: decoded.encoding });
  if ('skipped' in outcome) return skip(outcome.skipped);
  const references = outcome.scanned.occurrences.map(readReference).filter((reference) => reference !== undefined);
  memory?.remember(file, explicit, bytes, { references: references.map(summarize) }, signature);
  // A symlinked manifest is read through: the file it names is the one rewritten, in place.
  const link = await lstat(absolute);
  const target = await realpath(absolute); // also when a parent directory is a symlink
  const inside = !path.relative(realRoot, target).startsWith('..');
  // CI's clone has the link, not the file it names: what it deploys there is not this file.
  if (!inside && references.length > 0) {
    throw new NixtagError('SYMLINK_OUTSIDE_REPOSITORY', messages.symlinkOutsideJudged(file, target), {
      location: { file },
      hint: messages.symlinkOutsideHint(),
    });
  }
  return {
    file,
    target,
    symlink: link.isSymbolicLink(),
    readOnly: inside
      ? undefined
      : {
          code: 'SYMLINK_OUTSIDE_REPOSITORY',
          message: messages.symlinkOutside(file, target),
          hint: messages.symlinkOutsideHint(),
        },
    references,
    parsed: outcome.scanned,
  };
}

/**
 * Reads and scans the given manifests under `root`, in `files`' order. A file and a symlink to it
 * are one manifest, read through the file itself, once; a symlink out of the repository is read
 * but marked read-only; unreadable content in the default set is skipped with a warning. Files
 * whose scan `memory` remembers are not read at all; `onRecalled` sees them before the others
 * are read.
 */
export async function readManifests<Scope extends ReadScope>(
  root: string,
  files: ReadonlyArray<readonly [string, Scope]>,
  warnings: Warning[],
  memory?: ScanMemory,
  onRecalled?: (recalled: readonly ManifestFile[]) => void,
  judgedCopy?: () => Promise<string>,
): Promise<Array<ManifestFile & { scope: Scope }>> {
  const reading: Reading = { root, realRoot: await realpath(root), memory, judgedCopy };
  // Each file's result and warnings (sparse: few have any), in `files`' order whether remembered or read.
  const results: Array<(Read & { scope: Scope }) | undefined> = new Array(files.length);
  const noted: Warning[][] = [];
  const pending: number[] = [];
  files.forEach(([file, scope], index) => {
    const result = recalled(reading, file, scope);
    if (result === null) pending.push(index);
    else if ('message' in result) noted[index] = [result];
    else results[index] = result;
  });
  const read = () => results.filter((entry) => entry !== undefined);
  onRecalled?.(read());
  for (let start = 0; start < pending.length; start += READ_BATCH) {
    await Promise.all(
      pending.slice(start, start + READ_BATCH).map(async (index) => {
        const [file, scope] = files[index]!;
        const own: Warning[] = (noted[index] = []);
        const result = await readOne(reading, file, scope, own);
        results[index] = result && { ...result, scope };
      }),
    );
  }
  for (const own of noted) if (own !== undefined) warnings.push(...own);
  const all = read();
  if (!all.some((entry) => entry.symlink)) return all;
  const regularTargets = new Set(all.filter((entry) => !entry.symlink).map((entry) => entry.target));
  const seen = new Set<string>();
  return all.filter((entry) => {
    if (entry.symlink && (regularTargets.has(entry.target) || seen.has(entry.target))) return false;
    seen.add(entry.target);
    return true;
  });
}

/**
 * Parses a manifest about to be rewritten whose scan was remembered: it must parse now, as it
 * did when it was scanned.
 */
export async function parseManifest(file: string, target: string): Promise<ScannedManifest> {
  const read = await readRegularFile(target).catch((error: unknown) => {
    throw new NixtagError('MANIFEST_UNREADABLE', messages.manifestUnreadable(file, (error as Error).message), {
      location: { file },
      cause: error,
    });
  });
  if (!('bytes' in read)) throw unreadableError(file, read);
  const { bytes } = read;
  const decoded = decodeManifest(bytes);
  if ('undecodable' in decoded) {
    throw new NixtagError('MANIFEST_UNREADABLE', messages.skippedUndecodable(file, decoded.undecodable), {
      location: { file },
    });
  }
  return scanManifest(file, decoded.text, true, { encoding: decoded.encoding }).scanned;
}
