import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { hostOffset, needsQuotes, type TextEdit } from './edit.js';
import { canonicalImageName, parseImageReference, parseWrittenTag } from './reference.js';
import type { ParsedOccurrence } from './scan.js';

/** An image as manifests name it. */
export interface ImageIdentity {
  name: string;
  /** `registry/name` as written in configuration. */
  repository: string;
  /** Registry-normalised repository, for comparisons. */
  canonical: string;
}

/**
 * What a comparison needs of an occurrence: plain data, with none of the YAML nodes that only a
 * rewrite needs, so that it can be remembered by blob id (state/scans.ts) and compared without
 * parsing the manifest again.
 */
type OccurrenceSummary = Pick<
  ParsedOccurrence,
  | 'form'
  | 'context'
  | 'text'
  | 'repository'
  | 'missingTag'
  | 'markerImage'
  | 'markerKind'
  | 'renames'
  | 'tagSuffix'
  | 'namePattern'
  | 'order'
  | 'position'
  | 'lines'
  | 'spans'
  | 'index'
>;

/**
 * A reference as plain data, as a comparison sees it: summarized from a ParsedReference, or
 * remembered from an earlier scan.
 */
export interface ReferenceSummary {
  occurrence: OccurrenceSummary;
  /** Registry-normalised repository; undefined for a `NAME:tag` marker with no repository beside it. */
  canonical: string | undefined;
  /** The reference as it reads: written, or composed from a map's repository and tag. */
  current: string;
  /** The tag it deploys; undefined when none is written. */
  tag: string | undefined;
  digest: string | undefined;
}

/** A reference read from this run's parse of a manifest: its occurrence keeps the YAML nodes a rewrite edits. */
export interface ParsedReference extends ReferenceSummary {
  occurrence: ParsedOccurrence;
}

/** The reference as plain data, without its YAML nodes (undefined fields vanish in JSON). */
export function summarize(reference: ParsedReference): ReferenceSummary {
  const { occurrence: found, canonical, current, tag, digest } = reference;
  const { form, context, text, repository, missingTag, markerImage, markerKind, renames, tagSuffix, namePattern } =
    found;
  const { order, position, lines, spans, index } = found;
  const occurrence = {
    ...{ form, context, text, repository, missingTag, markerImage, markerKind, renames, tagSuffix, namePattern },
    ...{ order, lines, spans, index },
  };
  return {
    occurrence: { ...occurrence, position: { line: position.line, column: position.column } },
    canonical,
    current,
    tag,
    digest,
  };
}

function stringValue(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads one occurrence as a reference, or undefined when its text is not one (a template, a path). */
export function readReference(occurrence: ParsedOccurrence): ParsedReference | undefined {
  if (occurrence.form === 'reference') {
    // An empty value under a whole-reference marker names no repository yet: the marker binds it.
    if (occurrence.text === '' && occurrence.markerKind === 'reference') {
      return { occurrence, canonical: undefined, current: '', tag: undefined, digest: undefined };
    }
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
  let canonical: string | undefined;
  // A kustomize name is a pattern: the image is matched by it (engine/images.ts), and only one
  // that reads as a repository has a registry-normalised one.
  if (occurrence.repository !== undefined) {
    const parsed = parseImageReference(occurrence.repository);
    const repository = parsed !== undefined && parsed.tag === undefined && parsed.digest === undefined;
    if (!repository && occurrence.namePattern === undefined) return undefined;
    if (repository) canonical = canonicalImageName(parsed.host, parsed.path);
  }
  // `tag: <tag>@sha256:…` is a tag and a digest, as in the string form.
  const written =
    occurrence.missingTag !== undefined || occurrence.text === ''
      ? undefined
      : (parseWrittenTag(occurrence.text) ?? { tag: occurrence.text, digest: undefined });
  const digest = written?.digest ?? stringValue(occurrence.digestNode?.value);
  const tag = written?.tag;
  const shown = [occurrence.repository, written?.tag].filter((part) => part !== undefined && part !== '').join(':');
  return {
    occurrence,
    canonical,
    current: `${shown}${digest === undefined ? '' : `@${digest}`}`,
    tag,
    digest,
  };
}

/**
 * A whole-reference marker binds its value to the image's repository, as Flux's setters do: a
 * value naming another repository (or none) is rewritten to the configured one.
 */
export function repositoryRebound(reference: ReferenceSummary, image: ImageIdentity): boolean {
  const { occurrence } = reference;
  // A `NAME` marker on the repository beside a tag key binds the pair (a `NAME:tag` marker does not).
  const bound = occurrence.form === 'reference' || occurrence.markerKind === undefined;
  return bound && occurrence.markerImage !== undefined && reference.canonical !== image.canonical;
}

/** How a reference must read with the expected tag (a stale digest dropped). */
export function expectedReference(reference: ReferenceSummary, image: ImageIdentity, expectedTag: string): string {
  const { occurrence } = reference;
  if (repositoryRebound(reference, image)) return `${image.repository}:${expectedTag}`;
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
  repositoryChanged: boolean;
}

/** The edits that make a reference current, or why it cannot be edited in place. */
export type RewritePlan = ({ kind: 'edits' } & PlannedRewrite) | { kind: 'refused'; error: NixtagError };

/**
 * The edits that give one reference the expected tag and change nothing else: only the tag's
 * characters (and a stale `@digest`, which would pin the old image) are replaced; a value a marker
 * binds to another repository is replaced whole. A tag that is not written is refused with what
 * to write instead, and so is a value an anchor shares with a place read otherwise.
 */
export function planRewrite(
  file: string,
  text: string,
  reference: ParsedReference,
  image: ImageIdentity,
  expectedTag: string,
): RewritePlan {
  try {
    return { kind: 'edits', ...planEdits(file, text, reference, image, expectedTag) };
  } catch (error) {
    if (error instanceof NixtagError) return { kind: 'refused', error };
    throw error;
  }
}

function planEdits(
  file: string,
  text: string,
  reference: ParsedReference,
  image: ImageIdentity,
  expectedTag: string,
): PlannedRewrite {
  const { occurrence } = reference;
  const location = { file, ...occurrence.position };
  if (occurrence.missingTag !== undefined) {
    throw new NixtagError(
      'REWRITE_UNSAFE',
      messages.tagMissing(file, occurrence.position.line, occurrence.repository ?? '', occurrence.missingTag),
      { location, hint: messages.tagMissingHint(occurrence.missingTag, expectedTag) },
    );
  }
  const cannotRewrite = () =>
    new NixtagError('REWRITE_UNSAFE', messages.cannotRewriteInPlace(file), {
      location,
      hint: messages.cannotRewriteInPlaceHint(),
    });
  const offsetOf = (node: typeof occurrence.node, value: string) => {
    const sharedAt = occurrence.shared?.get(node);
    if (sharedAt !== undefined) {
      const otherLine = text.slice(0, sharedAt).split('\n').length;
      throw new NixtagError('REWRITE_UNSAFE', messages.sharedAnchor(file, occurrence.position.line, otherLine), {
        location,
        hint: messages.sharedAnchorHint(),
      });
    }
    const offset = hostOffset(text, node, value, occurrence.embedded);
    if (offset === undefined) throw cannotRewrite();
    return offset;
  };
  const plain = occurrence.node.type === 'PLAIN';
  const valueOffset = offsetOf(occurrence.node, occurrence.text);
  // `tag:` with nothing after the colon needs the space YAML puts between a key and its value.
  const lead = plain && occurrence.text === '' && !/\s/.test(text[valueOffset - 1] ?? '') ? ' ' : '';
  const replaceValue = (replacement: string): TextEdit => ({
    start: valueOffset,
    end: valueOffset + occurrence.text.length,
    replacement: lead + replacement,
  });

  if (occurrence.form === 'reference' && repositoryRebound(reference, image)) {
    const expected = `${image.repository}:${expectedTag}`;
    return {
      edits: [replaceValue(expected)],
      expected,
      digestDropped: reference.digest !== undefined,
      repositoryChanged: true,
    };
  }
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
    return { edits: [edit], expected, digestDropped: parsed.digest !== undefined, repositoryChanged: false };
  }

  const quote = plain && needsQuotes(expectedTag) ? '"' : '';
  const edits: TextEdit[] = [replaceValue(`${quote}${expectedTag}${quote}`)];
  const digestNode = occurrence.digestNode;
  const nodeDigest = stringValue(digestNode?.value);
  if (digestNode !== undefined && nodeDigest !== undefined) {
    const digestOffset = offsetOf(digestNode, nodeDigest);
    edits.push({
      start: digestOffset,
      end: digestOffset + nodeDigest.length,
      replacement: digestNode.type === 'PLAIN' ? '""' : '',
    });
  }
  const rebound = repositoryRebound(reference, image);
  const repositoryNode = occurrence.repositoryNode;
  if (rebound && repositoryNode !== undefined) {
    // The marked repository is rewritten whole; one composed with a `registry` key cannot be.
    const written = occurrence.repository;
    if (written === undefined || repositoryNode.value !== written) throw cannotRewrite();
    const offset = offsetOf(repositoryNode, written);
    edits.push({ start: offset, end: offset + written.length, replacement: image.repository });
  }
  const repository = rebound ? image.repository : (occurrence.repository ?? image.repository);
  return {
    edits,
    expected: `${repository}:${expectedTag}`,
    digestDropped: reference.digest !== undefined,
    repositoryChanged: rebound,
  };
}
