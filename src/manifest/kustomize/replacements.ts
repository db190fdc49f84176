import path from 'node:path';
import { isMap, isNode, isScalar } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import { items, resourcesOf, text } from './documents.js';
import { fieldPathSegments, resolveFieldPath } from './fieldPaths.js';
import type { Ledger } from './ledger.js';
import { selects } from './selectors.js';
import type { SourceReader } from './sources.js';
import type { ReplacementWrite, Walk } from './types.js';

/** What every replacement writes in the resources its kustomization reaches, into `ledger`. */
export function writeReplacements(
  { byDirectory, nodeOf, reachOf, replacements, docs }: Walk,
  { sourceKnown, sourceValues }: SourceReader,
  { writes, pieceWrites, sourced, record }: Ledger,
): void {
  for (const replacement of replacements) {
    const { reader, node } = replacement;
    const reached = [...(reachOf(replacement.kustomization) ?? [])];
    const plain = reached.filter((file) => byDirectory.get(path.posix.dirname(file)) !== file);
    const kustomizations = reached.filter((file) => byDirectory.get(path.posix.dirname(file)) === file);
    const from = reader.resolve(reader.value(node, 'source'));
    const sourceName = isMap(from) ? text(reader.value(from, 'name')) : undefined;
    const own = { writes: [] as ReplacementWrite[], read: [] as unknown[] };
    sourced.push(own);
    const places: Array<{ file: string; line: number }> = [];
    const sourcePieces = isMap(from) ? piecesOf(reader, reader.value(from, 'options')) : undefined;
    const read =
      sourceName === undefined || !isMap(from)
        ? undefined
        : sourceValues(
            {
              kind: text(reader.value(from, 'kind')),
              name: sourceName,
              fieldPath: text(reader.value(from, 'fieldPath')) ?? 'metadata.name',
              delimiter: sourcePieces,
            },
            plain,
            kustomizations,
            own.read,
            places,
          );
    // A `$(NAME)` written by a replacement is a var's to substitute afterwards: not known here;
    // nor is a field a patch can write first.
    const source =
      read?.some((value) => value.includes('$(')) ||
      (isMap(from) &&
        !sourceKnown(
          text(reader.value(from, 'kind')),
          sourceName,
          text(reader.value(from, 'fieldPath')) ?? '',
          kustomizations,
        ))
        ? undefined
        : read;
    // Each value read whole from a resource file's field (none generated): a copy of what is there.
    const copiedFrom =
      source !== undefined && sourcePieces === undefined && places.length === source.length ? places : undefined;
    const renamed = kustomizations.some((file) => nodeOf(file).renames);
    /** Whether what a resource writes in an image field can be changed (a patch, a transformer, an `images:` entry) before the replacement meets it. */
    const rewritten = (kind: string | undefined, name: string | undefined, image: string | undefined) =>
      kustomizations.some(
        (file) =>
          nodeOf(file).patches.some((selector) => selects(selector, kind, name)) ||
          nodeOf(file).images.some(
            (entry) => entry === undefined || image === undefined || image.includes(entry.split('/').at(-1)!),
          ),
      );
    for (const target of items(reader, reader.value(node, 'targets'))) {
      if (!isMap(target)) continue;
      const select = reader.resolve(reader.value(target, 'select'));
      const kind = isMap(select) ? text(reader.value(select, 'kind')) : undefined;
      const name = isMap(select) ? text(reader.value(select, 'name')) : undefined;
      const options = reader.resolve(reader.value(target, 'options'));
      const create = isMap(options) && text(reader.value(options, 'create')) === 'true';
      const pieces = piecesOf(reader, options);
      for (const fieldPathNode of items(reader, reader.value(target, 'fieldPaths'))) {
        const fieldPath = text(fieldPathNode);
        if (fieldPath === undefined) continue;
        const at =
          isNode(fieldPathNode) && fieldPathNode.range
            ? { file: replacement.at.file, line: replacement.line(fieldPathNode.range[0]) }
            : replacement.at;
        for (const file of plain) {
          for (const doc of docs(file)) {
            // kustomize reads each item of a List as a resource of its own.
            for (const resource of resourcesOf(doc.reader, doc.contents)) {
              if (!isMap(resource)) continue;
              const ownName = text(doc.reader.at(resource, ['metadata', 'name']));
              const ownKind = text(doc.reader.value(resource, 'kind'));
              // kustomize selects by the kind and name as written, as prefixed and suffixed
              // since, or as a patch renamed them (then any resource can be selected).
              if (!renamed && kind !== undefined && ownKind !== kind) continue;
              if (!renamed && name !== undefined && ownName !== undefined && !name.includes(ownName)) continue;
              const { nodes: reachedNodes, missing } = resolveFieldPath(doc.reader, resource, fieldPath);
              for (const { node: written, imageField } of reachedNodes) {
                if (!isNode(written) || !written.range) continue;
                // A piece of a value: judged on the value it leaves, when what it is written into is known.
                const current = isScalar(written) ? text(written) : undefined;
                const values =
                  pieces === undefined
                    ? source
                    : current === undefined || rewritten(ownKind, ownName, current)
                      ? undefined
                      : source?.map((value) => splice(current, pieces, value));
                const write: ReplacementWrite = {
                  by: 'replacement',
                  at,
                  target: {
                    file,
                    from: doc.line(written.range[0]),
                    to: doc.line(written.range[1]),
                    imageField,
                    start: written.range[0],
                    end: written.range[1],
                  },
                  source: values,
                  copiedFrom: pieces === undefined ? copiedFrom : undefined,
                };
                record(write, written);
                own.writes.push(write);
                if (pieces !== undefined) pieceWrites.push({ write, node: written });
              }
              // An image field it creates, or one a patch or a transformer can write first.
              if (
                missing &&
                (create || rewritten(ownKind, ownName, undefined)) &&
                fieldPathSegments(fieldPath).some((segment) => segment === 'image')
              ) {
                const write = {
                  by: 'replacement' as const,
                  at,
                  target: undefined,
                  source: create ? source : undefined,
                };
                writes.push(write);
                own.writes.push(write);
              }
            }
          }
        }
      }
    }
  }
}

/** A replacement's `delimiter` option: the value split on it, its `index`-th piece read or written. */
interface Pieces {
  delimiter: string;
  index: number;
}

/** The `delimiter` and `index` of a replacement's source or target `options`; undefined without a delimiter. */
function piecesOf(reader: DocumentReader, node: unknown): Pieces | undefined {
  const options = reader.resolve(node);
  if (!isMap(options)) return undefined;
  const delimiter = text(reader.value(options, 'delimiter'));
  if (delimiter === undefined || delimiter === '') return undefined;
  const index = Number(text(reader.value(options, 'index')) ?? 0);
  return { delimiter, index: Number.isInteger(index) ? index : 0 };
}

/**
 * What a value becomes when a replacement writes `piece` as its `index`-th piece, as kustomize
 * does: the value split on the delimiter, the piece put before it (a negative index), after it
 * (an index past its end) or in place of that piece, joined again.
 */
function splice(value: string, { delimiter, index }: Pieces, piece: string): string {
  const pieces = value.split(delimiter);
  if (index < 0) pieces.unshift(piece);
  else if (index >= pieces.length) pieces.push(piece);
  else pieces[index] = piece;
  return pieces.join(delimiter);
}
