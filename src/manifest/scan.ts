import { parseAllDocuments, type Document, type Scalar } from 'yaml';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { Unread, Warning } from '../types.js';
import type { ManifestEncoding } from './decode.js';
import { hostOffset } from './edit.js';
import { KUSTOMIZATION_FILE } from './fileNames.js';
import { AmbiguousKeyError, locateOccurrences, NestingTooDeepError, type Occurrence } from './locate.js';
import { appVersionOccurrences, withoutAppVersionTags } from './helmChart.js';
import { UnboundValuesError, UnreadOverrideError, withChartOverrides, type ChartOverrides } from './chartValues.js';
import { expandedSize, MAX_EXPANDED_NODES } from './limits.js';
import { LineIndex, type Position } from './position.js';
import { MarkerMismatchError, MAY_HOLD_REFERENCE } from './shapes.js';
import { yamlErrorOffset } from './yamlErrors.js';
import { decodeBinaryScalars } from './yamlNodes.js';

/** An occurrence of this run's parse, placed in its file: the YAML nodes a rewrite edits, and where it is. */
export interface ParsedOccurrence extends Occurrence {
  /** Offset of the first character of the image string (or tag) in the file. */
  offset: number;
  position: Position;
  /** Every line its scalars are on (tag, repository, digest): where naming the repository is managed. */
  lines: number[];
  /**
   * The offsets its scalars span in the file (tag, repository, digest, related), each `[start,
   * end)`; undefined where one of them is not written literally (inside a block string, unmapped).
   */
  spans: Array<[number, number]> | undefined;
  /** Its place among the manifest's occurrences: the same text always gives the same list. */
  index: number;
}

export interface ScannedManifest {
  file: string;
  text: string;
  /** What the bytes were decoded from, and what a rewrite is written back in. */
  encoding: ManifestEncoding;
  /** How it was read: a rewrite is checked by reading it the same way. */
  options: ScanOptions;
  docs: Document.Parsed[];
  occurrences: ParsedOccurrence[];
}

export type ScanOutcome = { scanned: ScannedManifest } | { skipped: Warning };

export interface ScanOptions {
  /** The encoding the text was decoded from (default UTF-8). */
  encoding?: ManifestEncoding | undefined;
  /** A chart's values.yaml: the tags its templates take from appVersion (helmChart.ts), not references here. */
  appVersionTags?: readonly string[][] | undefined;
  /** A chart's Chart.yaml: the repositories whose tag is its appVersion. */
  appVersionOf?: readonly string[] | undefined;
  /** A values file of a chart, a file of no chart, a chart's Argo CD Application or HelmRelease: the charts' tags it may set (chartValues.ts). */
  chartOverrides?: ChartOverrides | undefined;
}

/** `<<<<<<<`, `=======`, `>>>>>>>` lines in this order (diff3's `|||||||` may sit between). */
const CONFLICT = /^<{7}(?:[ \t].*)?\r?$[\s\S]*?^={7}\r?$[\s\S]*?^>{7}(?:[ \t].*)?\r?$/m;

/**
 * The text as the pipeline's readers break it into lines: yq (PyYAML) and kubectl (go-yaml, after
 * libyaml) also end a line at a lone CR, NEL, LS and PS, which the yaml library reads as content.
 * Each becomes a LF of the same length, so every offset stays the original's.
 */
function readersLines(text: string): string {
  return /[\r\u0085\u2028\u2029]/.test(text) ? text.replace(/\r(?!\n)|[\u0085\u2028\u2029]/g, '\n') : text;
}

/**
 * A reference whose tag is a Nix hash, as text (`registry/app:<32 characters of Nix's base32>`):
 * without configuration, what nixtag manages, so an unread file holding one must not pass.
 */
const NIX_HASH_TAG = /[\w./-]:[0-9abcdfghijklmnpqrsvwxyz]{32}(?![\w.+-])/;

/** Parses the text leniently enough for any real manifest, with node ranges and no alias expansion. */
function parseDocuments(text: string): Document.Parsed[] {
  // An empty stream is an empty array too.
  const docs = parseAllDocuments(text, { uniqueKeys: false, strict: false }) as Document.Parsed[];
  for (const doc of docs) decodeBinaryScalars(doc, text);
  return docs;
}

/**
 * Finds the references in one manifest. A file the user named (`explicit`) must parse: it is never
 * skipped, an error is thrown instead; in the default set, a file that cannot be read (not YAML,
 * or past a limit) is skipped with a warning that says why (`unparsed`), for the engine to refuse
 * if it matters.
 */
export function scanManifest(
  file: string,
  original: string,
  explicit: true,
  options?: ScanOptions,
): { scanned: ScannedManifest };
export function scanManifest(file: string, original: string, explicit: boolean, options?: ScanOptions): ScanOutcome;
export function scanManifest(
  file: string,
  original: string,
  explicit: boolean,
  options: ScanOptions = {},
): ScanOutcome {
  const encoding = options.encoding ?? 'utf-8';
  // Read with the readers' line breaks; the original is what a rewrite edits, at the same offsets.
  const text = readersLines(original);
  const conflict = CONFLICT.exec(text);
  if (conflict !== null) {
    const lines = new LineIndex(text);
    throw new NixtagError('CONFLICT_MARKERS', messages.conflictMarkers(file), {
      location: { file, ...lines.position(conflict.index) },
      detail: lines.excerpt(text, conflict.index),
      hint: messages.conflictMarkersHint(),
    });
  }
  // A kustomization is always parsed: one that cannot be read is refused (engine/unread.ts).
  const kustomization = KUSTOMIZATION_FILE.test(file);
  if (
    !explicit &&
    !kustomization &&
    options.appVersionOf === undefined &&
    options.chartOverrides === undefined &&
    !MAY_HOLD_REFERENCE.test(text)
  ) {
    return { scanned: { file, text: original, encoding, options, docs: [], occurrences: [] } };
  }
  const lines = new LineIndex(text);
  // Skipped unread (`unparsed`), though kubectl, yq or Helm may read it: a parse error (they read
  // some YAML the yaml library refuses, `{{` in a quoted value or not: a Helm template is never
  // scanned, the manifest set leaves a chart's templates/ out), or a `limit` of nixtag's (kustomize
  // reads deeper nesting and more expansion). The engine refuses one that matters (engine/unread.ts).
  const invalid = (message: string, offset: number, cause: unknown, limit: boolean): ScanOutcome => {
    const position = lines.position(offset);
    if (!explicit) {
      const hashTag = NIX_HASH_TAG.exec(text);
      const unparsed: Unread = {
        why: message,
        column: position.column,
        limit,
        ...(hashTag === null ? {} : { nixHashLine: lines.position(hashTag.index).line }),
      };
      return {
        skipped: { file, line: position.line, message: messages.skippedNotYaml(file, position, message), unparsed },
      };
    }
    throw new NixtagError('YAML_INVALID', messages.yamlInvalid(file, message), {
      location: { file, ...lines.position(offset) },
      detail: lines.excerpt(text, offset),
      hint: messages.yamlInvalidHint(),
      cause,
    });
  };

  let docs: Document.Parsed[];
  try {
    docs = parseDocuments(text);
  } catch (error) {
    // The parser recurses per nesting level; pathological input ends here, not in a hang.
    return invalid(messages.tooDeep(), 0, error, true);
  }
  const mayAlias = text.includes('&');
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error?.code === 'RESOURCE_EXHAUSTION') return invalid(messages.tooDeep(), error.pos[0], error, true);
    if (error !== undefined) return invalid(yamlErrorText(error.message), yamlErrorOffset(text, error), error, false);
    // An alias needs an anchor: a file without `&` cannot expand.
    if (mayAlias && expandedSize(doc) > MAX_EXPANDED_NODES)
      return invalid(messages.aliasBomb(MAX_EXPANDED_NODES), doc.range[0], undefined, true);
  }

  const occurrences: ParsedOccurrence[] = [];
  for (const doc of docs) {
    let found: Occurrence[];
    try {
      found = locateOccurrences(doc, file, text);
      if (options.appVersionTags !== undefined) found = withoutAppVersionTags(doc, found, options.appVersionTags);
      if (options.appVersionOf !== undefined) found.push(...appVersionOccurrences(doc, options.appVersionOf));
      if (options.chartOverrides !== undefined) found = withChartOverrides(doc, text, found, options.chartOverrides);
    } catch (error) {
      if (error instanceof MarkerMismatchError) throw markerMismatch(file, text, lines, error);
      if (error instanceof AmbiguousKeyError) throw duplicateKey(file, text, lines, error);
      if (error instanceof UnboundValuesError) throw unboundValues(file, text, lines, error);
      if (error instanceof UnreadOverrideError) throw unreadOverride(file, text, lines, error);
      if (error instanceof NestingTooDeepError || error instanceof RangeError) {
        return invalid(messages.tooDeep(), doc.range[0], error, true);
      }
      throw error;
    }
    for (const occurrence of found) {
      const start = occurrence.node.range?.[0] ?? 0;
      const offset =
        hostOffset(text, occurrence.node, occurrence.text, occurrence.embedded) ??
        (occurrence.embedded === undefined ? start : (occurrence.embedded.toHost(start) ?? occurrence.embedded.at));
      const lineOf = (node: Scalar | undefined) => {
        const at = node?.range?.[0];
        if (at === undefined) return [];
        return [
          lines.position(occurrence.embedded === undefined ? at : (occurrence.embedded.toHost(at) ?? offset)).line,
        ];
      };
      const position = lines.position(offset);
      const occupied = [
        position.line,
        ...lineOf(occurrence.repositoryNode),
        ...lineOf(occurrence.digestNode),
        ...(occurrence.related ?? []).flatMap(lineOf),
      ];
      const spans = [occurrence.node, occurrence.repositoryNode, occurrence.digestNode, ...(occurrence.related ?? [])]
        .filter((node) => node !== undefined)
        .map((node) => spanOf(node, occurrence.embedded));
      occurrences.push({
        ...occurrence,
        offset,
        position,
        lines: [...new Set(occupied)],
        spans: spans.every((span) => span !== undefined) ? spans : undefined,
        index: occurrences.length,
      });
    }
  }
  return { scanned: { file, text: original, encoding, options, docs, occurrences } };
}

/** Where a scalar's value starts and ends in the file, `[start, end)`; undefined where that is not known. */
function spanOf(node: Scalar, embedded: Occurrence['embedded']): [number, number] | undefined {
  const range = node.range;
  if (!range) return undefined;
  if (embedded === undefined) return [range[0], range[1]];
  const start = embedded.toHost(range[0]);
  const last = range[1] > range[0] ? embedded.toHost(range[1] - 1) : start;
  return start === undefined || last === undefined ? undefined : [start, Math.max(last + 1, start)];
}

/** The parser's message without its own position and excerpt (nixtag prints those). */
function yamlErrorText(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

function markerMismatch(file: string, text: string, lines: LineIndex, error: MarkerMismatchError): NixtagError {
  const offset = error.offset ?? 0;
  return new NixtagError('MARKER_MISMATCH', messages.markerMismatch(file, error.marker, error.markerKind, error.text), {
    location: { file, ...lines.position(offset) },
    detail: lines.excerpt(text, offset),
    hint: messages.markerMismatchHint(error.marker, error.markerKind),
  });
}

function duplicateKey(file: string, text: string, lines: LineIndex, error: AmbiguousKeyError): NixtagError {
  const offset = error.second ?? 0;
  const first = error.first === undefined ? undefined : lines.position(error.first).line;
  const message = error.mergedOver
    ? messages.mergedOverKey(file, error.key, first)
    : messages.duplicateKey(file, error.key, first);
  return new NixtagError('DUPLICATE_KEY', message, {
    location: { file, ...lines.position(offset) },
    detail: lines.excerpt(text, offset),
    hint: error.mergedOver ? messages.mergedOverKeyHint(error.key) : messages.duplicateKeyHint(error.key),
  });
}

function unboundValues(file: string, text: string, lines: LineIndex, error: UnboundValuesError): NixtagError {
  const { path, source } = error.tag;
  const repository =
    error.tag.registry === undefined ? error.tag.repository : `${error.tag.registry}/${error.tag.repository}`;
  const message =
    error.object === undefined
      ? messages.helmValuesUnbound(file, path.join('.'), repository, source)
      : messages.helmValuesDataUnbound(file, error.object, path.join('.'), repository, source);
  return new NixtagError('HELM_VALUES_UNBOUND', message, {
    location: { file, ...lines.position(error.offset) },
    detail: lines.excerpt(text, error.offset),
    hint:
      error.object === undefined
        ? messages.helmValuesUnboundHint(source, path.at(-1)!)
        : messages.helmValuesDataUnboundHint(source, path.join('.')),
  });
}

function unreadOverride(file: string, text: string, lines: LineIndex, error: UnreadOverrideError): NixtagError {
  const { path, source } = error.tag;
  const repository =
    error.tag.registry === undefined ? error.tag.repository : `${error.tag.registry}/${error.tag.repository}`;
  return new NixtagError(
    'HELM_OVERRIDE_UNREAD',
    messages.helmOverrideUnread(file, error.how, path.join('.'), repository, source),
    {
      location: { file, ...lines.position(error.offset) },
      detail: lines.excerpt(text, error.offset),
      hint: messages.helmOverrideUnreadHint(source, path.join('.')),
    },
  );
}
