import { isMap } from 'yaml';
import { parseDocs, text } from './documents.js';

/** The resources a patch selects, by kind and name (kustomize's patterns); undefined: any. */
export interface Selector {
  kind: string | undefined;
  name: string | undefined;
}

/** A selector of every resource. */
export const ANY: Selector = { kind: undefined, name: undefined };

/**
 * Whether a patch's selector can select a resource of this kind and name (undefined: not known).
 * kustomize reads the selector's fields as patterns, and a resource by the name it has when the
 * patch applies (prefixed, suffixed): a pattern is taken to select anything, a name that holds
 * the resource's.
 */
export function selects(selector: Selector, kind: string | undefined, name: string | undefined): boolean {
  const matches = (pattern: string | undefined, value: string | undefined) =>
    pattern === undefined || value === undefined || /[\\^$.*+?()[\]{}|]/.test(pattern) || pattern.includes(value);
  return matches(selector.kind, kind) && matches(selector.name, name);
}

/** The resources a strategic-merge patch selects: each document's kind and name; any where it cannot be read. */
export function patchSelectors(patchText: string | undefined): Selector[] {
  const docs = patchText === undefined ? [] : parseDocs(patchText);
  if (docs.length === 0) return [ANY];
  return docs.map(({ reader, contents }) =>
    isMap(contents)
      ? { kind: text(reader.value(contents, 'kind')), name: text(reader.at(contents, ['metadata', 'name'])) }
      : ANY,
  );
}
