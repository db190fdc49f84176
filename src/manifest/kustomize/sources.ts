import { isMap, isNode } from 'yaml';
import { items, resourcesOf, text } from './documents.js';
import { resolveFieldPath } from './fieldPaths.js';
import { selects } from './selectors.js';
import type { Generated, Source, Walk } from './types.js';

/** What a replacement's or a var's source reads, over a graph. */
export interface SourceReader {
  sourceKnown: (
    kind: string | undefined,
    name: string | undefined,
    fieldPath: string,
    kustomizations: readonly string[],
  ) => boolean;
  sourceValues: (
    source: Source,
    plain: readonly string[],
    kustomizations: readonly string[],
    nodes?: unknown[],
    places?: Array<{ file: string; line: number }>,
  ) => string[] | undefined;
}

/** The sources of a graph's replacements and vars; what the replacements select is read when first asked. */
export function sourceReader({ nodeOf, replacements, docs }: Walk): SourceReader {
  /** What every replacement's targets select, by kind and name (undefined: any). */
  let selected: Array<{ kind: string | undefined; name: string | undefined }> | undefined;
  /** Whether a replacement can select a generated ConfigMap or Secret, and so write what it holds. */
  const replacedGenerated = (generated: Generated): boolean => {
    selected ??= replacements.flatMap(({ reader, node }) =>
      items(reader, reader.value(node, 'targets')).map((target) => {
        const select = isMap(target) ? reader.resolve(reader.value(target, 'select')) : undefined;
        return {
          kind: isMap(select) ? text(reader.value(select, 'kind')) : undefined,
          name: isMap(select) ? text(reader.value(select, 'name')) : undefined,
        };
      }),
    );
    return selected.some(
      ({ kind, name }) =>
        (kind === undefined || kind === generated.kind) && (name === undefined || name.includes(generated.name)),
    );
  };

  /**
   * Whether what a source reads in the resources a kustomization reaches (`kustomizations`) is
   * what they write: no patch or transformer there (a JSON patch copies or moves values too),
   * and no `images:` entry where it reads an image.
   */
  const sourceKnown = (
    kind: string | undefined,
    name: string | undefined,
    fieldPath: string,
    kustomizations: readonly string[],
  ): boolean =>
    !kustomizations.some(
      (file) =>
        nodeOf(file).patches.some((selector) => selects(selector, kind, name)) ||
        (nodeOf(file).images.length > 0 && /image|containers/i.test(fieldPath)),
    );

  /**
   * Every value a replacement's or var's source can read; undefined where one is not known. The
   * nodes it reads are added to `nodes`, and where a resource file holds each, to `places`.
   */
  const sourceValues = (
    { kind, name, fieldPath, delimiter }: Source,
    plain: readonly string[],
    kustomizations: readonly string[],
    nodes: unknown[] = [],
    places: Array<{ file: string; line: number }> = [],
  ): string[] | undefined => {
    const values: string[] = [];
    let found = false;
    const dataKey = /^(?:data|stringData)\.(.+)$/.exec(fieldPath)?.[1];
    for (const kustomization of kustomizations) {
      for (const generated of nodeOf(kustomization).generated) {
        if (generated.name !== name || (kind !== undefined && kind !== generated.kind)) continue;
        found = true;
        if (replacedGenerated(generated)) return undefined; // a replacement can write it first
        const value = dataKey === undefined ? undefined : generated.literals?.get(dataKey);
        if (value === undefined) return undefined; // read from a file, or a field nixtag does not follow
        values.push(value);
      }
    }
    for (const file of plain) {
      for (const doc of docs(file)) {
        for (const resource of resourcesOf(doc.reader, doc.contents)) {
          if (!isMap(resource)) continue;
          if (kind !== undefined && text(doc.reader.value(resource, 'kind')) !== kind) continue;
          if (text(doc.reader.at(resource, ['metadata', 'name'])) !== name) continue;
          found = true;
          const { nodes: read, missing } = resolveFieldPath(doc.reader, resource, fieldPath);
          // A field the resource does not write: kustomize reads what a patch has added, if anything.
          if (missing) return undefined;
          for (const { node } of read) {
            const value = text(node);
            if (value === undefined) return undefined;
            values.push(value);
            nodes.push(node);
            if (isNode(node) && node.range) places.push({ file, line: doc.line(node.range[0]) });
          }
        }
      }
    }
    if (!found) return undefined;
    if (delimiter === undefined) return values;
    // The source's piece: kustomize fails on an index out of bounds.
    const pieces = values.map((value) => value.split(delimiter.delimiter)[delimiter.index]);
    return delimiter.index < 0 || pieces.some((piece) => piece === undefined) ? undefined : (pieces as string[]);
  };
  return { sourceKnown, sourceValues };
}
