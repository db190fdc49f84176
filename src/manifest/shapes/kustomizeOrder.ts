import { isMap, type YAMLMap } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import { retaggedAfter, retags } from './kustomizeApply.js';
import type { LaterEntry } from './types.js';
import { tagText } from './imageKeys.js';
import { AFTER_NAME, isLiteralName, isPlainName } from './kustomizeNames.js';

/** A key kustomize takes as set: written with a value (an empty or null one counts as absent). */
export function setIn(reader: DocumentReader, map: YAMLMap, key: string) {
  const node = reader.scalar(map, key);
  return node !== undefined && node.value !== null && node.value !== '' ? node : undefined;
}

/** An `images:` entry as kustomize's image transformer reads it, with its node. */
interface Entry extends LaterEntry {
  node: unknown;
}

function readEntry(reader: DocumentReader, node: unknown): Entry | undefined {
  const map = reader.resolve(node);
  if (!isMap(map)) return undefined;
  const name = reader.scalar(map, 'name')?.value;
  if (typeof name !== 'string') return undefined;
  const text = (key: string) => {
    const scalar = setIn(reader, map, key);
    return scalar === undefined ? undefined : tagText(scalar);
  };
  return {
    node,
    name,
    newName: text('newName'),
    tag: text('newTag'),
    digest: text('digest'),
    suffix: text('tagSuffix'),
  };
}

const renames = (entry: Entry, name: string) => entry.newName !== undefined && entry.newName !== name;
/** An entry that changes what it reaches and keeps its tag: kustomize's later entries see another image. */
const moves = (entry: Entry) => !retags(entry) && (renames(entry, entry.name) || entry.suffix !== undefined);

/** What an entry leaves after a name: its tag and digest, or the suffix it appends to the base's tag. */
function tail(entry: LaterEntry): string {
  if (!retags(entry)) return entry.suffix === undefined ? '' : `:${entry.suffix}`;
  return `${entry.tag === undefined ? '' : `:${entry.tag}`}${entry.digest === undefined ? '' : `@${entry.digest}`}`;
}

/**
 * A name whose match of a base is the base's name, whatever its tag: a literal one with no `.` in
 * its last component (a `.` there may match the tag's `:`, as `registry/app.v1` matches
 * `registry/app:v1`), or a literal path ending in `/.*` (or `/.+`). What an entry of such a name
 * leaves still matches that name where its tag does; `app:v1` or `registry/.*d` may match the
 * base's tag and not the one set.
 */
function matchesNamesOnly(name: string): boolean {
  const literal = isLiteralName(name) && !name.slice(name.lastIndexOf('/') + 1).includes('.');
  return literal || /^(?:[a-zA-Z0-9_/-]|\\?\.)*\/\.[*+]$/.test(name);
}

/**
 * Whether a later entry sets the tag of what `entry` deploys (kustomize applies the entries in
 * order). Where `entry` sets a tag or digest and a name (`newName`, or a plain `name`), what it
 * deploys is known and is followed through the later entries as kustomize applies them
 * (`retaggedAfter`: a later entry may name its `newName`). Otherwise the bases it reaches are
 * not known, and only a later entry of the same name reaches all it set, where that name matches
 * names only and the tag left still matches it, with no entry between that changes an image and
 * keeps its tag.
 */
function decidedLater(entry: Entry, later: readonly Entry[]): boolean {
  if (retags(entry) && (entry.newName !== undefined || isPlainName(entry.name)))
    return retaggedAfter(`${entry.newName ?? entry.name}${tail(entry)}`, later);
  if (renames(entry, entry.name)) return false; // it keeps each base's tag, which is not known here
  if (!matchesNamesOnly(entry.name) || !new RegExp(`^${AFTER_NAME}$`).test(tail(entry))) return false;
  for (const next of later) {
    if (next.name === entry.name && retags(next)) return true;
    if (moves(next)) return false;
  }
  return false;
}

/**
 * Every entry of a kustomization's `images:` as plain data (a remembered scan keeps it), with the
 * index of each among them: which images an entry deploying under its name meets, and which of
 * those a later entry retags, is decided against the references the bases write
 * (engine/images.ts patternReaches).
 */
export function entryOrder(
  reader: DocumentReader,
  nodes: readonly unknown[],
): Map<unknown, { entries: LaterEntry[]; index: number }> {
  const entries = nodes.map((node) => readEntry(reader, node)).filter((entry) => entry !== undefined);
  const plain = entries.map(({ node: _node, ...fields }) => fields);
  return new Map(entries.map((entry, index) => [entry.node, { entries: plain, index }]));
}

/**
 * The entries whose tag kustomize does not deploy: a later entry sets the tag of every image they
 * reach. One that renames the image (`newName`) is not hidden.
 */
export function hiddenEntries(reader: DocumentReader, nodes: readonly unknown[]): Set<unknown> {
  const entries = nodes.map((node) => readEntry(reader, node));
  const hidden = new Set<unknown>();
  entries.forEach((entry, index) => {
    const later = entries.slice(index + 1).filter((next) => next !== undefined);
    if (entry !== undefined && decidedLater(entry, later)) hidden.add(entry.node);
  });
  return hidden;
}
