import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Scalar } from 'yaml';
import { MAX_MANIFEST_BYTES } from '../../regularFile.js';
import { decodeManifest } from '../decode.js';
import { DocumentReader } from '../documentReader.js';

/**
 * The text of `file` under `root`, or undefined: also for what is not a regular file (a link to
 * /dev/zero or a FIFO would never end) or is larger than a manifest may be (regularFile.ts), as
 * for a file that is not there. Decoded as a manifest is (decode.ts: UTF-16 and UTF-32 too), since
 * kustomize decodes a UTF-16 kustomization or patch; bytes that decode as none are read as UTF-8,
 * as before, for what a YAML parser makes of them.
 */
export function readText(root: string, file: string): string | undefined {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path.join(root, file), constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = fstatSync(descriptor);
    if (!stats.isFile() || stats.size > MAX_MANIFEST_BYTES) return undefined;
    const bytes = readFileSync(descriptor);
    const decoded = decodeManifest(bytes);
    return 'text' in decoded ? decoded.text : bytes.toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

export interface ParsedDoc {
  reader: DocumentReader;
  contents: unknown;
  line: (offset: number) => number;
  /** The lines the document spans. */
  lines: { from: number; to: number };
}

/** Every document of a YAML text, each with its reader and a line counter. */
export function parseDocs(text: string): ParsedDoc[] {
  const lineCounter = new LineCounter();
  const line = (offset: number) => lineCounter.linePos(offset).line;
  try {
    return parseAllDocuments(text, { lineCounter }).flatMap((doc) => {
      if (!('contents' in doc) || doc.errors.length > 0) return [];
      const reader = new DocumentReader(doc);
      const lines = { from: line(doc.range[0]), to: line(Math.max(doc.range[1] - 1, doc.range[0])) };
      return [{ reader, contents: reader.resolve(doc.contents), line, lines }];
    });
  } catch {
    return []; // not YAML: kustomize fails on it, and nixtag reads nothing of it here
  }
}

/** Where the yaml library stops reading a text, and why; undefined where it parses. */
export function parseFailure(text: string): { line: number; column: number; why: string } | undefined {
  const lineCounter = new LineCounter();
  try {
    for (const doc of parseAllDocuments(text, { lineCounter })) {
      const [error] = doc.errors;
      if (error === undefined) continue;
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { line, column: col, why: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') };
    }
  } catch (error) {
    return { line: 1, column: 1, why: error instanceof Error ? error.message : String(error) };
  }
  return undefined;
}

/**
 * Whether a generator's configuration is kustomize's builtin ConfigMapGenerator or
 * SecretGenerator (`apiVersion: builtin`, no group, as kustomize's plugin loader asks): it
 * writes its literals and files as a ConfigMap's or Secret's data, as a kustomization's
 * `configMapGenerator:` and `secretGenerator:` do, and no image.
 */
export function isDataGenerator(reader: DocumentReader, contents: unknown): boolean {
  if (!isMap(contents)) return false;
  const kind = text(reader.value(contents, 'kind'));
  return (
    text(reader.value(contents, 'apiVersion')) === 'builtin' &&
    (kind === 'ConfigMapGenerator' || kind === 'SecretGenerator')
  );
}

/** A scalar's text; undefined for anything else. */
export function text(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return typeof node.value === 'string' ? node.value : String(node.value as string | number | boolean);
}

/** The items of a list node (aliases resolved). */
export function items(reader: DocumentReader, node: unknown): unknown[] {
  const list = reader.resolve(node);
  return isSeq(list) ? list.items.map((item) => reader.resolve(item)) : [];
}

/**
 * The resources a document holds, as kustomize reads them: the document, or the items of a
 * list (a kind ending in `List`, `kubectl get -o yaml`'s), lists in it too.
 */
export function resourcesOf(reader: DocumentReader, contents: unknown, seen = new Set<unknown>()): unknown[] {
  const resolved = reader.resolve(contents);
  if (seen.has(resolved)) return [];
  seen.add(resolved);
  if (!isMap(resolved)) return [resolved];
  const kind = text(reader.value(resolved, 'kind'));
  const list = reader.resolve(reader.value(resolved, 'items'));
  if (kind === undefined || !kind.endsWith('List') || !isSeq(list)) return [resolved];
  return list.items.flatMap((item) => resourcesOf(reader, item, seen));
}

/** The string scalars of a document that hold `needle`, with the key each is under (each node looked at once). */
export function scalarsHolding(
  reader: DocumentReader,
  contents: unknown,
  needle: string,
): Array<{ node: Scalar; key: string | undefined }> {
  const found: Array<{ node: Scalar; key: string | undefined }> = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown, key: string | undefined) => {
    const resolved = reader.resolve(node);
    if (seen.has(resolved)) return;
    seen.add(resolved);
    if (isScalar(resolved) && typeof resolved.value === 'string' && resolved.value.includes(needle)) {
      found.push({ node: resolved, key });
    } else if (isMap(resolved)) {
      for (const pair of resolved.items) visit(pair.value, text(reader.resolve(pair.key)));
    } else if (isSeq(resolved)) {
      for (const item of resolved.items) visit(item, key);
    }
  };
  visit(contents, undefined);
  return found;
}
