import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import { DocumentReader } from './documentReader.js';
import { LineIndex } from './position.js';
import type { Occurrence } from './locate.js';
import { scalarText } from './yamlNodes.js';

/**
 * The template idioms by which a chart deploys `Chart.yaml`'s `appVersion` when a value is empty,
 * as `helm create` writes it: `.Values.image.tag | default .Chart.AppVersion`, and the prefix form
 * `default .Chart.AppVersion .Values.image.tag` (`$.` roots too). Another default (`printf "v%s"
 * .Chart.AppVersion`) is not this one: the tag is then not appVersion itself.
 */
const IDIOMS = [
  /\$?\.Values((?:\.[A-Za-z_][\w-]*)+)\s*\|\s*default\s+\$?\.Chart\.AppVersion\b(?!\s*[^\s|})])/g,
  /\bdefault\s+\$?\.Chart\.AppVersion\s+\$?\.Values((?:\.[A-Za-z_][\w-]*)+)/g,
];

/** The values paths (`["image", "tag"]`) a template line defaults to appVersion. */
export function appVersionDefaults(line: string): string[][] {
  return IDIOMS.flatMap((idiom) => [...line.matchAll(idiom)].map((match) => match[1]!.slice(1).split('.')));
}

/** A tag that deploys nothing of its own: absent, null or empty (`default` takes over then). */
const isEmpty = (value: unknown) => value === undefined || value === null || value === '';

export interface AppVersionTag {
  /** The values path of the tag. */
  path: string[];
  /** The repository the values give beside it (`registry/` prefixed when they give one). */
  repository: string;
  /** The values' lines it is read from (its repository, registry and tag). */
  lines: number[];
}

/**
 * Which of `paths` a chart really takes from `appVersion`: those whose tag its values leave empty,
 * beside a repository, when `Chart.yaml` has an `appVersion`. Only when exactly one does: an
 * appVersion shared by several images cannot be any one image's tag, so their values' own tags
 * stay what is judged (and `fix` fills them in).
 */
export function appVersionTags(valuesText: string, chartText: string, paths: readonly string[][]): AppVersionTag[] {
  const parse = (text: string) => parseDocument(text, { uniqueKeys: false, strict: false });
  const chart = parse(chartText);
  const appVersion = isMap(chart.contents) ? new DocumentReader(chart).scalar(chart.contents, 'appVersion') : undefined;
  if (appVersion === undefined || isEmpty(appVersion.value)) return [];
  const values = new DocumentReader(parse(valuesText));
  const lineIndex = new LineIndex(valuesText);
  const lineOf = (node: unknown) => {
    const start = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    return start === undefined ? [] : [lineIndex.position(start).line];
  };
  const found: AppVersionTag[] = [];
  for (const path of paths) {
    const holder = values.at(values.doc.contents, path.slice(0, -1));
    if (!isMap(holder)) continue;
    const tag = values.value(holder, path.at(-1)!);
    const repositoryNode = values.scalar(holder, 'repository');
    const registryNode = values.scalar(holder, 'registry');
    const repository = repositoryNode?.value;
    const registry = registryNode?.value;
    if (!(isEmpty(tag) || (isScalar(tag) && isEmpty(tag.value))) || typeof repository !== 'string') continue;
    const prefix = typeof registry === 'string' && registry !== '' ? `${registry.replace(/\/+$/, '')}/` : '';
    const lines = [...new Set([repositoryNode, registryNode, tag].flatMap(lineOf))];
    if (!found.some((known) => known.path.join('.') === path.join('.')))
      found.push({ path, repository: prefix + repository, lines });
  }
  return found.length === 1 ? found : [];
}

/**
 * A chart's values, read as its templates use them: the occurrence of a tag that `appTags` say
 * the templates take from appVersion is not a reference here (it is Chart.yaml's).
 */
export function withoutAppVersionTags(
  doc: Document,
  occurrences: readonly Occurrence[],
  appTags: readonly string[][],
): Occurrence[] {
  const reader = new DocumentReader(doc);
  const deferred = appTags.flatMap((path) => {
    const holder = reader.at(doc.contents, path.slice(0, -1));
    const nodes = isMap(holder) ? [reader.scalar(holder, 'repository'), reader.scalar(holder, path.at(-1)!)] : [];
    return nodes.filter((node) => node !== undefined);
  });
  return occurrences.filter(
    (occurrence) =>
      !(
        occurrence.form === 'tag' &&
        (deferred.includes(occurrence.node) ||
          (occurrence.repositoryNode !== undefined && deferred.includes(occurrence.repositoryNode))) &&
        isEmpty(occurrence.missingTag === undefined ? occurrence.node.value : undefined)
      ),
  );
}

/** `Chart.yaml`'s `appVersion`, as the tag of the repository the values give beside an empty tag. */
export function appVersionOccurrences(doc: Document, repositories: readonly string[]): Occurrence[] {
  if (!isMap(doc.contents)) return [];
  const node = new DocumentReader(doc).scalar(doc.contents, 'appVersion');
  if (node === undefined || isEmpty(node.value)) return [];
  const text = scalarText(node) ?? '';
  return repositories.map((repository) => ({ form: 'tag', context: 'helm-app-version', node, text, repository }));
}
