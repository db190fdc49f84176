import path from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import { items, parseDocs, readText, scalarsHolding, text } from './documents.js';
import type { Ledger } from './ledger.js';
import type { SourceReader } from './sources.js';
import type { ReplacementWrite, Var, Walk } from './types.js';

/**
 * What every var writes, into `ledger`: kustomize substitutes, when it builds a kustomization, the
 * vars of everything it reaches (its bases' and components' too) in every resource it reaches.
 */
export function writeVars(
  { root, byDirectory, nodeOf, reach, pulledIn, docs }: Walk,
  { sourceKnown, sourceValues }: SourceReader,
  { writes, sourced, record }: Ledger,
): void {
  for (const kustomization of byDirectory.values()) {
    if (nodeOf(kustomization).component) continue;
    const reached = [...reach(kustomization)];
    const plain = reached.filter((file) => byDirectory.get(path.posix.dirname(file)) !== file);
    const kustomizations = reached.filter((file) => byDirectory.get(path.posix.dirname(file)) === file);
    const vars = kustomizations.flatMap((file) => nodeOf(file).vars);
    if (vars.length === 0) continue;
    const valuesOf = new Map<Var, { values: string[] | undefined; read: unknown[] }>();
    const varSource = (variable: Var): { values: string[] | undefined; read: unknown[] } => {
      let known = valuesOf.get(variable);
      if (known === undefined) {
        const read: unknown[] = [];
        const values =
          variable.source &&
          sourceKnown(variable.source.kind, variable.source.name, variable.source.fieldPath, kustomizations)
            ? sourceValues(variable.source, plain, kustomizations, read)
            : undefined;
        valuesOf.set(variable, (known = { values, read }));
      }
      return known;
    };
    for (const file of plain) {
      for (const doc of docs(file)) {
        for (const { node: scalar, key } of scalarsHolding(doc.reader, doc.contents, '$(')) {
          const value = text(scalar);
          if (!scalar.range || value === undefined) continue;
          const used = vars.filter((variable) => value.includes(`$(${variable.name})`));
          if (used.length === 0) continue;
          // The value it becomes, every var substituted together: never judged a piece at a time.
          let results: string[] | undefined = [value];
          for (const variable of used) {
            const substituted = varSource(variable).values;
            results =
              results === undefined || substituted === undefined
                ? undefined
                : results.flatMap((result) =>
                    substituted.map((piece) => result.replaceAll(`$(${variable.name})`, piece)),
                  );
            if (results === undefined || results.length > MAX_VALUES) {
              results = undefined;
              break;
            }
          }
          const from = doc.line(scalar.range[0]);
          const to = doc.line(scalar.range[1]);
          const write: ReplacementWrite = {
            by: 'var',
            at: used[0]!.at,
            target: { file, from, to, imageField: key === 'image', start: scalar.range[0], end: scalar.range[1] },
            source: results,
          };
          record(write, scalar);
          sourced.push({ writes: [write], read: used.flatMap((variable) => varSource(variable).read) });
        }
      }
    }
    // Configured, vars can be substituted into images: also where a patch, an `images:` entry, a
    // transformer or a generator writes them, whose fields nixtag does not follow; and what a
    // Helm chart renders is not read.
    if (!kustomizations.some((file) => nodeOf(file).configures)) continue;
    const settings = kustomizations.flatMap((file) => nodeOf(file).settings.map((setting) => ({ file, ...setting })));
    for (const [file, { by, key }] of pulledIn) {
      if (!kustomizations.includes(by)) continue;
      const content = readText(root, file) ?? '';
      if (key.startsWith('patches')) settings.push({ file, line: 1, text: content, patch: true });
      else settings.push(...content.split('\n').map((line, index) => ({ file, line: index + 1, text: line })));
    }
    for (const setting of settings) {
      // A patch's var counts where the patch writes it into an image; anything else's anywhere.
      const variable = vars.find(({ name }) =>
        setting.patch === true ? patchWritesImage(setting.text, `$(${name})`) : setting.text.includes(`$(${name})`),
      );
      if (variable === undefined) continue;
      const target = { file: setting.file, from: setting.line, to: setting.line, imageField: true };
      writes.push({ by: 'var', at: variable.at, target, source: undefined });
    }
    for (const file of kustomizations) {
      const line = nodeOf(file).helmChart;
      if (line === undefined) continue;
      writes.push({
        by: 'var',
        at: vars[0]!.at,
        target: { file, from: line, to: line, imageField: true },
        source: undefined,
      });
    }
  }
}

/** The most values nixtag works out for one field (every var's every value); beyond, not known. */
const MAX_VALUES = 64;

/**
 * Whether a patch (strategic-merge, or JSON 6902) writes `needle` into an image: a field whose key
 * names one (`image`, `initImage`, `images`), or a container or map holding such a field; true
 * for a patch that cannot be read and holds it.
 */
function patchWritesImage(patchText: string, needle: string): boolean {
  if (!patchText.includes(needle)) return false;
  const docs = parseDocs(patchText);
  if (docs.length === 0) return true;
  const intoImage = (reader: DocumentReader, node: unknown) =>
    scalarsHolding(reader, node, needle).some(({ key }) => key === undefined || /image/i.test(key));
  return docs.some(({ reader, contents }) => {
    if (!isSeq(contents)) return intoImage(reader, contents);
    return items(reader, contents).some((operation) => {
      if (!isMap(operation)) return intoImage(reader, operation);
      const value = reader.resolve(reader.value(operation, 'value'));
      if (!isScalar(value)) return intoImage(reader, value);
      const last = text(reader.value(operation, 'path'))?.split('/').at(-1) ?? '';
      return (text(value)?.includes(needle) ?? false) && /image|^\d*$|^-$/i.test(last);
    });
  });
}
