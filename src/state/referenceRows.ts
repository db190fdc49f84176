import type { OccurrenceContext, OccurrenceForm } from '../manifest/locate.js';
import type { ReferenceSummary } from '../manifest/resolve.js';

/**
 * A reference summary as one JSON array: the remembered scans of a 5,000-manifest repository are
 * read on every run that is not idle, and rows parse in about half the time of objects with
 * named fields. Absent fields are null, trailing ones dropped; `lines` and `current` are null when
 * they say no more than `line` and `text`.
 */
export type PackedReference = Array<string | number | number[] | null>;

const FORMS: readonly OccurrenceForm[] = ['reference', 'tag'];
const CONTEXTS: readonly OccurrenceContext[] = [
  'image-key',
  'sibling-tag',
  'kustomize',
  'helm-parameter',
  'marker',
  'helm-app-version',
];

export function packReference(reference: ReferenceSummary): PackedReference {
  const { occurrence } = reference;
  const { line, column } = occurrence.position;
  const row: PackedReference = [
    FORMS.indexOf(occurrence.form),
    CONTEXTS.indexOf(occurrence.context),
    occurrence.text,
    line,
    column,
    occurrence.index,
    occurrence.lines.length === 1 && occurrence.lines[0] === line ? null : occurrence.lines,
    reference.current === occurrence.text ? null : reference.current,
    reference.canonical ?? null,
    reference.tag ?? null,
    reference.digest ?? null,
    occurrence.repository ?? null,
    occurrence.missingTag ?? null,
    occurrence.markerImage ?? null,
    occurrence.markerKind === undefined ? null : FORMS.indexOf(occurrence.markerKind),
    occurrence.renames ?? null,
    occurrence.tagSuffix ?? null,
    occurrence.namePattern ?? null,
    occurrence.order === undefined ? null : JSON.stringify(occurrence.order),
    occurrence.spans === undefined ? null : occurrence.spans.flat(),
  ];
  while (row.length > 0 && row.at(-1) === null) row.pop();
  return row;
}

/** Offset ranges packed flat (`[start, end, start, end, …]`), as packReference writes them. */
function spansOf(packed: PackedReference[number] | undefined): Array<[number, number]> | undefined {
  if (!Array.isArray(packed)) return undefined;
  const spans: Array<[number, number]> = [];
  for (let at = 0; at + 1 < packed.length; at += 2) spans.push([packed[at]!, packed[at + 1]!]);
  return spans;
}

export function unpackReference(row: PackedReference): ReferenceSummary {
  const text = row[2] as string;
  const line = row[3] as number;
  const optional = (index: number) => (row[index] ?? undefined) as string | undefined;
  const markerKind = row[14];
  return {
    occurrence: {
      form: FORMS[row[0] as number]!,
      context: CONTEXTS[row[1] as number]!,
      text,
      position: { line, column: row[4] as number },
      index: row[5] as number,
      lines: (row[6] ?? [line]) as number[],
      spans: spansOf(row[19]),
      repository: optional(11),
      missingTag: optional(12),
      markerImage: optional(13),
      markerKind: markerKind === null || markerKind === undefined ? undefined : FORMS[markerKind as number],
      renames: optional(15),
      tagSuffix: optional(16),
      namePattern: optional(17),
      order: row[18] == null ? undefined : (JSON.parse(row[18] as string) as ReferenceSummary['occurrence']['order']),
    },
    current: optional(7) ?? text,
    canonical: optional(8),
    tag: optional(9),
    digest: optional(10),
  };
}
