import { lstat, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { Warning } from '../types.js';
import { decodeManifest } from './decode.js';
import { scanManifest, type ScannedManifest } from './scan.js';

export interface ManifestFile {
  manifest: ScannedManifest;
  /** The file to write: the manifest itself, or the file its symlink names. */
  target: string;
  /** Why the target must not be written (a symlink out of the repository), if so. */
  readOnly: string | undefined;
}

interface Read extends ManifestFile {
  symlink: boolean;
}

/** Files read at once: enough to keep the disk busy, few enough to bound open descriptors. */
const READ_BATCH = 64;

async function readOne(root: string, file: string, explicit: boolean, warnings: Warning[]): Promise<Read | undefined> {
  const absolute = path.join(root, file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const link = await lstat(absolute).catch(() => undefined);
    if (code === 'ENOENT' && link?.isSymbolicLink()) {
      if (explicit)
        throw new NixtagError('MANIFEST_UNREADABLE', messages.danglingSymlink(file), { location: { file } });
      warnings.push({ file, line: null, message: messages.danglingSymlink(file) });
      return undefined;
    }
    if (code === 'ENOENT') return undefined; // tracked but deleted in the work tree
    throw new NixtagError('MANIFEST_UNREADABLE', messages.manifestUnreadable(file, (error as Error).message), {
      location: { file },
      cause: error,
    });
  }
  const decoded = decodeManifest(bytes);
  if ('undecodable' in decoded) {
    warnings.push({ file, line: null, message: messages.skippedUndecodable(file, decoded.undecodable) });
    return undefined;
  }
  const outcome = scanManifest(file, decoded.text, explicit);
  if ('skipped' in outcome) {
    warnings.push(outcome.skipped);
    return undefined;
  }
  // A symlinked manifest is read through: the file it names is the one rewritten, in place.
  const link = await lstat(absolute);
  const target = await realpath(absolute); // also when a parent directory is a symlink
  const inside = !path.relative(await realpath(root), target).startsWith('..');
  return {
    manifest: outcome.scanned,
    target,
    symlink: link.isSymbolicLink(),
    readOnly: inside ? undefined : messages.symlinkOutside(file, target),
  };
}

/**
 * Reads and scans the given manifests under `root`, in `files`' order. A file and a symlink to it
 * are one manifest, read through the file itself, once; a symlink out of the repository is read
 * but marked read-only; unreadable content in the default set is skipped with a warning.
 */
export async function readManifests<Scope extends { explicit: boolean }>(
  root: string,
  files: ReadonlyArray<readonly [string, Scope]>,
  warnings: Warning[],
): Promise<Array<ManifestFile & { scope: Scope }>> {
  const read: Array<Read & { scope: Scope }> = [];
  for (let start = 0; start < files.length; start += READ_BATCH) {
    const batch = await Promise.all(
      files.slice(start, start + READ_BATCH).map(async ([file, scope]) => {
        const result = await readOne(root, file, scope.explicit, warnings);
        return result && { ...result, scope };
      }),
    );
    for (const entry of batch) if (entry) read.push(entry);
  }
  const regularTargets = new Set(read.filter((entry) => !entry.symlink).map((entry) => entry.target));
  const seen = new Set<string>();
  return read
    .filter((entry) => {
      if (entry.symlink && (regularTargets.has(entry.target) || seen.has(entry.target))) return false;
      seen.add(entry.target);
      return true;
    })
    .map(({ manifest, target, readOnly, scope }) => ({ manifest, target, readOnly, scope }));
}
