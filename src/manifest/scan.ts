import { parseAllDocuments, type Document } from 'yaml';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { literalOffset } from './edit.js';
import { locateOccurrences, NestingTooDeepError, type Occurrence } from './locate.js';
import { expandedSize, MAX_EXPANDED_NODES } from './limits.js';
import { LineIndex, type Position } from './position.js';
import { MAY_HOLD_REFERENCE } from './shapes.js';

export interface FoundOccurrence extends Occurrence {
  /** Offset of the first character of the image string (or tag) in the file. */
  offset: number;
  position: Position;
}

export interface ScannedManifest {
  file: string;
  text: string;
  docs: Document.Parsed[];
  occurrences: FoundOccurrence[];
}

export type ScanOutcome = { scanned: ScannedManifest } | { skipped: string };

/** Parses the text leniently enough for any real manifest, with node ranges and no alias expansion. */
function parseDocuments(text: string): Document.Parsed[] {
  // An empty stream is an empty array too.
  return parseAllDocuments(text, { uniqueKeys: false, strict: false }) as Document.Parsed[];
}

/**
 * Finds the references in one manifest. A file the user named (`explicit`) must parse; in the
 * default set, a file that is not YAML (a Helm template) is skipped with a warning instead.
 */
export function scanManifest(file: string, text: string, explicit: boolean): ScanOutcome {
  if (!explicit && !MAY_HOLD_REFERENCE.test(text)) {
    return { scanned: { file, text, docs: [], occurrences: [] } };
  }
  const lines = new LineIndex(text);
  const invalid = (message: string, offset: number, cause?: unknown): ScanOutcome => {
    if (!explicit) return { skipped: messages.skippedNotYaml(file, message) };
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
    return invalid(messages.tooDeep(), 0, error);
  }
  const mayAlias = text.includes('&');
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error?.code === 'RESOURCE_EXHAUSTION') return invalid(messages.tooDeep(), error.pos[0], error);
    if (error !== undefined) return invalid(error.message.split('\n')[0] ?? '', error.pos[0], error);
    // An alias needs an anchor: a file without `&` cannot expand.
    if (mayAlias && expandedSize(doc) > MAX_EXPANDED_NODES)
      return invalid(messages.aliasBomb(MAX_EXPANDED_NODES), doc.range[0]);
  }

  const occurrences: FoundOccurrence[] = [];
  for (const doc of docs) {
    let found: Occurrence[];
    try {
      found = locateOccurrences(doc, file);
    } catch (error) {
      if (error instanceof NestingTooDeepError || error instanceof RangeError) {
        return invalid(messages.tooDeep(), doc.range[0], error);
      }
      throw error;
    }
    for (const occurrence of found) {
      const offset = literalOffset(text, occurrence.node, occurrence.text) ?? occurrence.node.range?.[0] ?? 0;
      occurrences.push({ ...occurrence, offset, position: lines.position(offset) });
    }
  }
  return { scanned: { file, text, docs, occurrences } };
}
