import { parseAllDocuments } from 'yaml';
import { NixtagError } from '../errors.js';
import type { ChartTag } from '../manifest/chartValues.js';
import { LineIndex } from '../manifest/position.js';
import { yamlErrorOffset } from '../manifest/yamlErrors.js';
import { messages } from '../messages.js';

/**
 * A templated file that YAML cannot read as written (its template actions: `{{ if }}` lines, an
 * unquoted `{{ .Values.tag }}`) and that may set a chart's tag (it writes a tag key, or the tag's
 * dot path): what helmfile renders from it is not known here, so it is refused
 * (HELM_OVERRIDE_UNREAD) rather than passed unread. One that parses is read as YAML (its actions
 * as text, where a templated tag is refused as substituted).
 */
export function refuseUnparsedTemplate(file: string, text: string, tags: readonly ChartTag[]): void {
  const error = parseAllDocuments(text, { uniqueKeys: false, strict: false })
    .flatMap((doc) => ('errors' in doc ? doc.errors : []))
    .at(0);
  if (error === undefined) return;
  const tag = tags.find(
    (known) =>
      text.includes(known.path.join('.')) || new RegExp(`(?:^|[\\s{,])${known.path.at(-1)!}\\s*:`, 'm').test(text),
  );
  if (tag === undefined) return;
  const lines = new LineIndex(text);
  const offset = yamlErrorOffset(text, error);
  const path = tag.path.join('.');
  throw new NixtagError('HELM_OVERRIDE_UNREAD', messages.helmTemplateUnparsed(file, path, tag.source), {
    location: { file, ...lines.position(offset) },
    detail: lines.excerpt(text, offset),
    hint: messages.helmTemplateUnparsedHint(path),
  });
}
