import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fchmodSync,
  linkSync,
  fstatSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { processExists, uninterruptible } from '../lifecycle.js';
import { messages } from '../messages.js';
import { testPauseSync } from '../testPause.js';

/** `.<name>.nixtag-<pid>-<8 hex>`: the temporary file a write makes beside its target. */
const TEMPORARY = /^\..+\.nixtag-(\d+)-[0-9a-f]{8}$/;

export function temporaryFor(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.nixtag-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/**
 * Writes every byte or throws: `writeSync` may write fewer bytes than asked (a disk that fills up
 * part way answers with a short count first, ENOSPC only on the next call), so it is called until
 * all are written, and a call that writes nothing is a full disk.
 */
function writeAll(descriptor: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const written = writeSync(descriptor, bytes, offset, bytes.length - offset);
    // Thrown as the system would: writeFailure turns it into WRITE_FAILED with the hint for its code.
    if (!(written > 0)) {
      throw Object.assign(new Error(messages.shortWrite(offset, bytes.length)), { code: 'ENOSPC' });
    }
    offset += written;
  }
  const { size } = fstatSync(descriptor);
  if (size !== bytes.length) {
    throw Object.assign(new Error(messages.shortWrite(size, bytes.length)), { code: 'EIO' });
  }
}

/** The write failure as a user reads it: the file, the system's reason, what to do. */
export function writeFailure(displayFile: string, error: unknown): NixtagError {
  if (error instanceof NixtagError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return new NixtagError('WRITE_FAILED', messages.writeFailed(displayFile, (error as Error).message), {
    location: { file: displayFile },
    hint: messages.writeFailedHint(code),
    cause: error,
  });
}

export interface FileWrite {
  /** The resolved file to replace. */
  target: string;
  /** Text is written as UTF-8; a manifest in another encoding comes as its bytes. */
  content: string | Uint8Array;
  /** The file as the user names it. */
  displayFile: string;
}

interface Prepared extends FileWrite {
  temporary: string;
  /** A hard link to the original, to put back if a later step fails. */
  backup: string;
}

/** Temporary and backup files of writes in progress: removed if the process exits meanwhile. */
const inProgress = new Set<string>();
let exitHookInstalled = false;

function track(file: string): void {
  inProgress.add(file);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const leftover of inProgress) rmSync(leftover, { force: true });
    });
  }
}

function discard(file: string): void {
  rmSync(file, { force: true });
  inProgress.delete(file);
}

/** A temporary file beside `target` with `content`, every byte checked and flushed; removed on failure. */
function writeTemporary(target: string, content: string | Uint8Array, mode: number): string {
  const temporary = temporaryFor(target);
  const descriptor = openSync(temporary, 'wx', mode);
  track(temporary);
  try {
    try {
      writeAll(descriptor, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
      fchmodSync(descriptor, mode);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    return temporary;
  } catch (error) {
    discard(temporary);
    throw error;
  }
}

/**
 * Replaces (or creates, with `createMode`) one file atomically: the new content is written in
 * full beside it, flushed, and renamed over it. On failure the file is as it was, no temporary
 * file stays, and the error is a WRITE_FAILED naming `displayFile`.
 */
export function writeFileAtomically(
  target: string,
  content: string | Uint8Array,
  options: { createMode?: number; displayFile?: string } = {},
): void {
  try {
    const mode =
      options.createMode !== undefined && !existsSync(target) ? options.createMode : statSync(target).mode & 0o7777;
    const temporary = writeTemporary(target, content, mode);
    try {
      renameSync(temporary, target);
    } finally {
      discard(temporary);
    }
  } catch (error) {
    throw writeFailure(options.displayFile ?? target, error);
  }
}

/** Writes the new content beside the target, every byte checked and flushed, and links a backup. */
function prepare(write: FileWrite): Prepared {
  const mode = statSync(write.target).mode & 0o7777;
  const temporary = writeTemporary(write.target, write.content, mode);
  try {
    // The link fails where the rename would (an immutable file: EPERM), before anything changed.
    const backup = temporaryFor(write.target);
    try {
      linkSync(write.target, backup);
    } catch (error) {
      // No hard links here (vfat)? Then a copy, unless the file cannot be written at all.
      closeSync(openSync(write.target, 'r+'));
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
      copyFileSync(write.target, backup, constants.COPYFILE_EXCL);
    }
    track(backup);
    return { ...write, temporary, backup };
  } catch (error) {
    discard(temporary);
    throw error;
  }
}

/**
 * Replaces several files so that either all of them change or none: every new content is first
 * written in full beside its file (a full disk fails here, with nothing changed), then all are
 * renamed into place at once, then `alongside` runs (the index update of `fix --staged`). If a
 * rename or `alongside` fails, the files already replaced get their originals back (hard links
 * kept until the end, so that needs no space) and the error is a WRITE_FAILED naming the file.
 * No temporary file survives, unless the process is killed outright (see
 * removeAbandonedTemporaries). An interrupt waits for the whole replacement (cli/signals.ts).
 */
export function replaceFiles(writes: readonly FileWrite[], alongside?: () => Promise<void>): Promise<void> {
  return uninterruptible(() => replace(writes, alongside));
}

async function replace(writes: readonly FileWrite[], alongside: (() => Promise<void>) | undefined): Promise<void> {
  const prepared: Prepared[] = [];
  const renamed: Prepared[] = [];
  let current: FileWrite | undefined;
  try {
    for (const write of writes) {
      current = write;
      prepared.push(prepare(write));
      testPauseSync('manifest-temporary');
    }
    for (const write of prepared) {
      current = write;
      renameSync(write.temporary, write.target);
      inProgress.delete(write.temporary);
      renamed.push(write);
      testPauseSync('manifest-renamed');
    }
    current = undefined;
    await alongside?.();
  } catch (error) {
    for (const write of renamed) {
      try {
        renameSync(write.backup, write.target);
        inProgress.delete(write.backup);
      } catch {
        // The original stays reachable under its backup name; reported below.
      }
    }
    const unrestored = renamed.filter((write) => inProgress.has(write.backup)).map(keepOriginal);
    for (const write of prepared) {
      if (inProgress.has(write.backup)) discard(write.backup);
      discard(write.temporary);
    }
    if (unrestored.length > 0) {
      throw new NixtagError('WRITE_FAILED', messages.writeNotRolledBack(unrestored), { cause: error });
    }
    throw current === undefined ? error : writeFailure(current.displayFile, error);
  }
  for (const write of prepared) discard(write.backup);
}

/**
 * The original of a file that could not be put back after a failed rewrite (a double fault):
 * kept beside it under a name no cleanup removes (not a temporary file's), and no longer
 * tracked, so that this process's exit does not remove it either. Returns where it is.
 */
function keepOriginal(write: Prepared): { file: string; kept: string } {
  inProgress.delete(write.backup);
  const kept = path.join(path.dirname(write.target), `.${path.basename(write.target)}.nixtag-original-${Date.now()}`);
  let where = write.backup;
  try {
    renameSync(write.backup, kept);
    where = kept;
  } catch {
    // It stays under its backup name, which the next run's cleanup may take for a leftover.
  }
  return { file: write.displayFile, kept: path.join(path.dirname(write.displayFile), path.basename(where)) };
}

/**
 * Removes the temporary files a killed run left in `directories` (`.<name>.nixtag-<pid>-<rand>`,
 * where no process `<pid>` is alive), so that `git add -A` never commits one. Returns what it
 * removed. `keep` says which names must stay (a file the tree tracks is never removed).
 */
export async function removeAbandonedTemporaries(
  directories: Iterable<string>,
  keep: (file: string) => boolean = () => false,
): Promise<string[]> {
  const removed: string[] = [];
  await Promise.all(
    [...new Set(directories)].map(async (directory) => {
      // A directory gone (or unreadable) holds nothing this cleanup could remove.
      const names = await readdir(directory).catch(() => [] as string[]);
      for (const name of names) {
        const match = TEMPORARY.exec(name);
        if (match === null || Number(match[1]) === process.pid || processExists(Number(match[1]))) continue;
        const file = path.join(directory, name);
        if (keep(file)) continue;
        await rm(file, { force: true }).then(
          () => removed.push(file),
          () => undefined, // not ours to remove after all (permissions): leave it
        );
      }
    }),
  );
  return removed.sort();
}
