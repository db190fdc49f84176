import { isMap, isSeq, parseAllDocuments } from 'yaml';
import { NixtagError } from '../errors.js';
import type { ChartTag } from '../manifest/chartValues.js';
import { LineIndex } from '../manifest/position.js';
import { yamlErrorOffset } from '../manifest/yamlErrors.js';
import { messages } from '../messages.js';

/**
 * A templated file that YAML cannot read as written (its template actions: `{{ if }}` lines, an
 * unquoted `{{ .Values.tag }}`) and that may set a chart's tag (it writes a tag key, or the tag's
 * dot path): what helmfile renders from it is not known here, so it is refused
 * (HELM_OVERRIDE_UNREAD) rather than passed unread, and so is one whose tag path holds a bare
 * action. One that parses is read as YAML (its actions as text, where a quoted templated tag is
 * refused as substituted).
 */
export function refuseUnparsedTemplate(file: string, text: string, tags: readonly ChartTag[]): void {
  const docs = parseAllDocuments(text, { uniqueKeys: false, strict: false });
  // A bare action where a tag goes (`tag: {{ .Values.tag }}`) reads as a flow map: a tag is a scalar.
  for (const doc of docs) {
    if (!('errors' in doc) || doc.errors.length > 0) continue;
    for (const tag of tags) {
      const node = doc.getIn(tag.path, true);
      if (!isMap(node) && !isSeq(node)) continue;
      refuse(file, text, node.range?.[0] ?? 0, tag);
    }
  }
  const error = docs.flatMap((doc) => ('errors' in doc ? doc.errors : [])).at(0);
  if (error === undefined) return;
  const tag = tags.find(
    (known) =>
      text.includes(known.path.join('.')) || new RegExp(`(?:^|[\\s{,])${known.path.at(-1)!}\\s*:`, 'm').test(text),
  );
  if (tag === undefined) return;
  refuse(file, text, yamlErrorOffset(text, error), tag);
}

function refuse(file: string, text: string, offset: number, tag: ChartTag): never {
  const lines = new LineIndex(text);
  const path = tag.path.join('.');
  throw new NixtagError('HELM_OVERRIDE_UNREAD', messages.helmTemplateUnparsed(file, path, tag.source), {
    location: { file, ...lines.position(offset) },
    detail: lines.excerpt(text, offset),
    hint: messages.helmTemplateUnparsedHint(path),
  });
}
