import { NixtagError } from '../errors.js';
import type { grepTree as grepTreeType } from '../git/grep.js';
import type { ChartTag } from '../manifest/chartValues.js';
import { messages } from '../messages.js';
import type { Session } from './session.js';

/** A template's read of a value (`.Values.image.tag`, `$.Values.imageTag`): its dot path. */
const VALUES_READ = /\$?\.Values((?:\.[A-Za-z_][\w-]*)+)/g;
const APP_VERSION = /\$?\.Chart\.AppVersion\b/;
/** A template variable (`$tag`; `$` alone, and `$.`, are the root, not one). */
const VARIABLE = /\$([A-Za-z_]\w*)/g;
/** A variable's declaration or assignment, `$tag := …` / `$tag = …`, to the action's end. */
const ASSIGNMENT = /\$([A-Za-z_]\w*)\s*:?=(?!=)([^}]*)/g;

/**
 * The line as Helm evaluates it, each variable read replaced by the expression it was last
 * given in the file (`{{- $tag := .Chart.AppVersion }}` then `{{ $tag }}` reads appVersion), so
 * that the line rule below sees what the image is rendered with. A variable is followed within
 * its file, in line order, through other variables; its blocks' scopes are not told apart, so a
 * variable given two values in one file reads as the last one before the line.
 */
function withVariables(text: string, variables: Map<string, string>): string {
  const expand = (expression: string) =>
    expression.replace(VARIABLE, (whole, name: string) => variables.get(name) ?? whole);
  let assigned = false;
  for (const [, name, value] of text.matchAll(ASSIGNMENT)) {
    const expression = expand(value!.trim());
    // A plain path stays one (`$image.tag` reads `.Values.image.tag`); anything else is grouped.
    variables.set(name!, /^\$?\.[\w.]+$/.test(expression) ? expression : `(${expression})`);
    assigned = true;
  }
  // A line that assigns is read as written (its image use, if any, is judged as the other lines').
  return assigned ? text : expand(text);
}

/**
 * A chart whose values' tag nixtag judges, while a template deploys the image with another tag:
 * `{{ .Values.image.repository }}:{{ .Chart.AppVersion }}` (appVersion with no read of the tag's
 * key), or `{{ .Values.image.repository }}:{{ .Values.imageTag }}` (another value ending in `tag`
 * beside the judged tag's repository). Helm renders what the template reads
 * (https://helm.sh/docs/chart_template_guide/builtin_objects/), so the judged tag is not the one
 * deployed: refused (HELM_OVERRIDE_UNREAD) at the template's line. Lines are read one by one: an
 * image line names `image` (the key, a values path or a helper's name); a variable it reads is
 * read as the expression the file gave it (withVariables).
 */
export async function refuseUnreadTemplateTags(
  session: Session,
  charts: ReadonlyMap<string, readonly ChartTag[]>,
  grepTree: typeof grepTreeType,
): Promise<void> {
  const prefixes = [...charts.keys()].filter((prefix) => (charts.get(prefix)?.length ?? 0) > 0);
  if (prefixes.length === 0) return;
  const hits = await grepTree(
    session.repository,
    session.treeId,
    ['.Chart.AppVersion', '.Values.', '$'],
    prefixes.map((prefix) => `${prefix}templates/`),
  );
  const variables = new Map<string, Map<string, string>>();
  for (const found of hits) {
    const known = variables.get(found.file) ?? new Map<string, string>();
    variables.set(found.file, known);
    const hit = { ...found, text: withVariables(found.text, known) };
    if (!/image/i.test(hit.text)) continue;
    const prefix = prefixes
      .filter((known) => hit.file.startsWith(`${known}templates/`))
      .sort((a, b) => b.length - a.length)[0];
    const tags = prefix === undefined ? [] : charts.get(prefix)!;
    const reads = [...hit.text.matchAll(VALUES_READ)].map((match) => match[1]!.slice(1));
    const judged = new Set(tags.map((tag) => tag.path.join('.')));
    const keys = new Set(tags.map((tag) => tag.path.at(-1)!));
    // A tag key read in any form (`.Values.image.tag`, `.tag` inside `with .Values.image`).
    const readsTagKey = [...keys].some((key) => new RegExp(`\\.${key}(?![\\w-])`).test(hit.text));
    // The judged tag whose repository (`repository`, or `image` beside `imageTag`) the line reads.
    const beside = tags.find((tag) =>
      ['repository', 'image'].some((key) => reads.includes([...tag.path.slice(0, -1), key].join('.'))),
    );
    const other = reads.find((path) => /tag$/i.test(path) && !judged.has(path));
    const appVersion = APP_VERSION.test(hit.text) && !readsTagKey;
    const tag = appVersion ? (beside ?? tags[0]) : other === undefined ? undefined : beside;
    if (tag === undefined) continue;
    const read = appVersion ? '.Chart.AppVersion' : `.Values.${other!}`;
    throw new NixtagError(
      'HELM_OVERRIDE_UNREAD',
      messages.helmTemplateUnread(hit.file, hit.line, read, tag.path.join('.'), tag.source),
      { location: { file: hit.file, line: hit.line }, hint: messages.helmTemplateUnreadHint(tag.path.join('.'), read) },
    );
  }
}
