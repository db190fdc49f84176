import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { literalOffset, needsQuotes, type TextEdit } from './edit.js';
import { canonicalImageName, parseImageReference } from './reference.js';
import type { FoundOccurrence } from './scan.js';

/** An image as manifests name it. */
export interface ImageIdentity {
  name: string;
  /** `registry/name` as written in configuration. */
  repository: string;
  /** Registry-normalised repository, for comparisons. */
  canonical: string;
}

/** A reference read from a manifest, before it is compared with an expected tag. */
export interface ReadReference {
  occurrence: FoundOccurrence;
  /** Registry-normalised repository; undefined for a `NAME:tag` marker with no repository beside it. */
  canonical: string | undefined;
  /** The reference as it reads: written, or composed from a map's repository and tag. */
  current: string;
  tag: string | undefined;
  digest: string | undefined;
}

/** Reads one occurrence as a reference, or undefined when its text is not one (a template, a path). */
export function readReference(occurrence: FoundOccurrence): ReadReference | undefined {
  if (occurrence.form === 'reference') {
    const parsed = parseImageReference(occurrence.text);
    if (parsed === undefined) return undefined;
    return {
      occurrence,
      canonical: parsed.canonicalName,
      current: occurrence.text,
      tag: parsed.tag,
      digest: parsed.digest,
    };
  }
  const digestValue = occurrence.digestNode?.value;
  const digest = typeof digestValue === 'string' && digestValue !== '' ? digestValue : undefined;
  let canonical: string | undefined;
  if (occurrence.repository !== undefined) {
    const parsed = parseImageReference(occurrence.repository);
    if (parsed === undefined || parsed.tag !== undefined || parsed.digest !== undefined) return undefined;
    canonical = canonicalImageName(parsed.host, parsed.path);
  }
  const repository = occurrence.repository ?? '';
  return {
    occurrence,
    canonical,
    current: `${repository}:${occurrence.text}${digest === undefined ? '' : `@${digest}`}`,
    tag: occurrence.text,
    digest,
  };
}

/** How a reference must read with the expected tag (a stale digest dropped). */
export function expectedReference(reference: ReadReference, image: ImageIdentity, expectedTag: string): string {
  const { occurrence } = reference;
  if (occurrence.form === 'tag') return `${occurrence.repository ?? image.repository}:${expectedTag}`;
  const parsed = parseImageReference(occurrence.text)!;
  const name = parsed.host === undefined ? parsed.path : `${parsed.host}/${parsed.path}`;
  return reference.tag === expectedTag ? reference.current : `${name}:${expectedTag}`;
}

export interface PlannedRewrite {
  edits: TextEdit[];
  /** The reference as it will read. */
  expected: string;
  digestDropped: boolean;
}

/** The edits that make a reference current, or why it cannot be edited in place. */
export type RewritePlan = ({ kind: 'edits' } & PlannedRewrite) | { kind: 'refused'; error: NixtagError };

/**
 * The edits that give one reference the expected tag and change nothing else: only the tag's
 * characters (and a stale `@digest`, which would pin the old image) are replaced.
 */
export function planRewrite(
  file: string,
  text: string,
  reference: ReadReference,
  image: ImageIdentity,
  expectedTag: string,
): RewritePlan {
  const { occurrence } = reference;
  const refused = (): RewritePlan => ({
    kind: 'refused',
    error: new NixtagError('REWRITE_UNSAFE', messages.cannotRewriteInPlace(file), {
      location: { file, ...occurrence.position },
      hint: messages.cannotRewriteInPlaceHint(),
    }),
  });
  const valueOffset = literalOffset(text, occurrence.node, occurrence.text);
  if (valueOffset === undefined) return refused();

  if (occurrence.form === 'reference') {
    const parsed = parseImageReference(occurrence.text)!;
    const digestLength = parsed.digest === undefined ? 0 : parsed.digest.length + 1;
    const nameEnd = parsed.tagStart === undefined ? parsed.raw.length - digestLength : parsed.tagStart - 1;
    // `:old-tag@digest` becomes `:new-tag`: the name before it is never touched.
    const edit: TextEdit = {
      start: valueOffset + nameEnd,
      end: valueOffset + occurrence.text.length,
      replacement: `:${expectedTag}`,
    };
    const expected = `${occurrence.text.slice(0, nameEnd)}:${expectedTag}`;
    return { kind: 'edits', edits: [edit], expected, digestDropped: parsed.digest !== undefined };
  }

  const quote = occurrence.node.type === 'PLAIN' && needsQuotes(expectedTag) ? '"' : '';
  const edits: TextEdit[] = [
    { start: valueOffset, end: valueOffset + occurrence.text.length, replacement: `${quote}${expectedTag}${quote}` },
  ];
  const digestNode = occurrence.digestNode;
  if (reference.digest !== undefined && digestNode !== undefined) {
    const digestOffset = literalOffset(text, digestNode, reference.digest);
    if (digestOffset === undefined) return refused();
    const plain = digestNode.type === 'PLAIN';
    edits.push({ start: digestOffset, end: digestOffset + reference.digest.length, replacement: plain ? '""' : '' });
  }
  const repository = occurrence.repository ?? image.repository;
  return {
    kind: 'edits',
    edits,
    expected: `${repository}:${expectedTag}`,
    digestDropped: reference.digest !== undefined,
  };
}
