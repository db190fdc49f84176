import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { applyEdits } from './edit.js';
import { readReference, type PlannedRewrite } from './resolve.js';
import { scanManifest, type ScannedManifest } from './scan.js';

export interface TagChange {
  /** Index of the occurrence in `manifest.occurrences`. */
  index: number;
  tag: string;
  plan: PlannedRewrite;
}

/**
 * The manifest's new text with every change applied, checked before anything is written: the
 * result parses, holds the same references in the same order, the changed ones read the new tag
 * (without the dropped digest) and every other one reads as before.
 */
export function rewriteManifest(manifest: ScannedManifest, changes: readonly TagChange[]): string {
  const text = applyEdits(
    manifest.text,
    changes.flatMap((change) => change.plan.edits),
  );
  const fail = (why: string) =>
    new NixtagError('WRITE_FAILED', messages.rewriteNotVerified(manifest.file, why), {
      location: { file: manifest.file },
    });
  let rescanned;
  try {
    rescanned = scanManifest(manifest.file, text, true, manifest.options).scanned;
  } catch (error) {
    throw fail((error as Error).message);
  }
  const after = rescanned.occurrences;
  if (after.length !== manifest.occurrences.length) throw fail(messages.rewriteCountChanged());
  const byIndex = new Map(changes.map((change) => [change.index, change]));
  manifest.occurrences.forEach((occurrence, index) => {
    const before = readReference(occurrence);
    const now = readReference(after[index]!);
    const change = byIndex.get(index);
    if (change === undefined) {
      if (before?.current !== now?.current) throw fail(messages.rewriteUnrelatedChanged(occurrence.position.line));
    } else if (now?.tag !== change.tag || (change.plan.digestDropped && now.digest !== undefined)) {
      throw fail(messages.rewriteTagNotRead(occurrence.position.line));
    }
  });
  return text;
}
