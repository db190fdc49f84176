import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { applyEdits, type TextEdit } from './edit.js';
import { readReference, type PlannedRewrite } from './resolve.js';
import { scanManifest, type ParsedOccurrence, type ScannedManifest } from './scan.js';

export interface TagChange {
  /** Index of the occurrence in `manifest.occurrences`. */
  index: number;
  tag: string;
  plan: PlannedRewrite;
}

/**
 * Where the scalar that started at `offset` starts once the edits are applied: a range, when an
 * edit of its own covers that start (quotes added, a tag written into an empty value).
 */
function landing(edits: readonly TextEdit[], offset: number): [number, number] {
  let shift = 0;
  let covering: TextEdit | undefined;
  for (const edit of edits) {
    if (edit.start <= offset && offset <= edit.end) covering = edit;
    else if (edit.end < offset) shift += edit.replacement.length - (edit.end - edit.start);
  }
  if (covering === undefined) return [offset + shift, offset + shift];
  return [covering.start + shift, covering.start + shift + covering.replacement.length];
}

/**
 * The manifest's new text with every change applied, checked before anything is written: the
 * result parses, holds the same references at the same places, the changed ones read the new tag
 * (without the dropped digest) and every other one reads as before. A changed kustomize entry may
 * be gone from the result: its new tag is one a later entry of the same kustomization matches, and
 * that entry, which the run judged too, sets it again (kustomize's render shows the later one;
 * shapes/kustomizeOrder.ts). Nothing else may appear or go.
 */
export function rewriteManifest(manifest: ScannedManifest, changes: readonly TagChange[]): string {
  const edits = changes.flatMap((change) => change.plan.edits);
  const text = applyEdits(manifest.text, edits);
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
  // The result's references by where they start (an anchored tag read beside two repositories is two).
  const after = new Map<number, ParsedOccurrence[]>();
  for (const occurrence of rescanned.occurrences) {
    after.set(occurrence.offset, [...(after.get(occurrence.offset) ?? []), occurrence]);
  }
  const take = ([from, to]: [number, number], occurrence: ParsedOccurrence) => {
    for (let at = from; at <= to; at += 1) {
      const candidates = after.get(at) ?? [];
      const index = candidates.findIndex((now) => now.context === occurrence.context && now.form === occurrence.form);
      if (index !== -1) return candidates.splice(index, 1)[0];
    }
    return undefined;
  };
  const byIndex = new Map(changes.map((change) => [change.index, change]));
  let found = 0;
  manifest.occurrences.forEach((occurrence, index) => {
    const [from, to] = landing(edits, occurrence.offset);
    const now = take([from, to], occurrence);
    const change = byIndex.get(index);
    if (now === undefined) {
      // A kustomize entry that holds its new tag and is set again by a later entry.
      const setAgain = occurrence.context === 'kustomize' && change !== undefined;
      if (setAgain && text.slice(from, to + change.tag.length).includes(change.tag)) return;
      throw fail(messages.rewriteCountChanged());
    }
    found += 1;
    const before = readReference(occurrence);
    const read = readReference(now);
    if (change === undefined) {
      if (before?.current !== read?.current) throw fail(messages.rewriteUnrelatedChanged(occurrence.position.line));
    } else if (read?.tag !== change.tag || (change.plan.digestDropped && read.digest !== undefined)) {
      throw fail(messages.rewriteTagNotRead(occurrence.position.line));
    }
  });
  if (found !== rescanned.occurrences.length) throw fail(messages.rewriteCountChanged());
  return text;
}
