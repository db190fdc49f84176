import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, type Scalar, type YAMLMap } from 'yaml';
import { DocumentReader } from './documentReader.js';
import { KUSTOMIZATION_FILE } from './fileNames.js';
import { linksThrough } from './links.js';
import { kustomizeHolder } from './shapes/kustomize.js';

/**
 * Keys whose content kustomize applies to what it deploys, beside `resources` and `images:`: a
 * managed image named there (inline, or in a file they name) is set by kustomize and not judged
 * by nixtag.
 */
export type SettingKey =
  | 'patches'
  | 'patchesStrategicMerge'
  | 'patchesJson6902'
  | 'transformers'
  | 'generators'
  | 'replacements'
  | 'helmCharts';

const SETTING_KEYS = new Set<string>([
  'patches',
  'patchesStrategicMerge',
  'patchesJson6902',
  'transformers',
  'generators',
  'replacements',
  'helmCharts',
]);

/** A file a kustomization pulls in whose content kustomize applies (a patch, a transformer's or generator's configuration, replacements). */
export interface PulledIn {
  /** The kustomization that names it. */
  by: string;
  key: SettingKey;
}

/** Where a file, or a line of it, is. */
export interface Place {
  file: string;
  line: number;
}

/** An ImageTagTransformer, kustomize's `images:` entry as a transformer's configuration. */
export interface ImageTransformer extends Place {
  name: string | undefined;
  newName: string | undefined;
}

/**
 * What one field path of a kustomize replacement writes in a resource: the lines of each node it
 * reaches (a scalar, or a map or list and everything in it), or, with `create`, an image field it
 * would add. `source` is undefined where nixtag cannot tell (a generator's file, a resource it
 * does not read, a piece written into a value something else changes too).
 */
export interface ReplacementWrite {
  by: 'replacement' | 'var';
  /** Where the field path (or the var) is written. */
  at: Place;
  /** The resource file and the lines written; undefined for an image field kustomize creates. */
  target: { file: string; from: number; to: number; imageField: boolean } | undefined;
  /**
   * Every value the field can hold once written: what the source reads, or, for a piece of a value
   * (a delimiter) and a var, the whole value it leaves.
   */
  source: string[] | undefined;
}

/** What the tracked kustomizations pull in, read as kustomize reads them. */
export interface KustomizeGraph {
  /**
   * Which files a kustomization's transformers (its `images:` entries) reach, through `resources`,
   * `bases` and `components`: a Kustomization's own tree, a Component's the trees of the
   * kustomizations that include it. Undefined for a file that is not a kustomization kustomize
   * reads by name (a Flux Kustomization): its reach is not known.
   */
  reach(kustomization: string): Set<string> | undefined;
  /** Files the kustomizations name as resources that are not kustomizations: YAML whatever their name. */
  resources: ReadonlySet<string>;
  /** Files whose content kustomize applies, with the kustomization and key that pull each in. */
  pulledIn: ReadonlyMap<string, PulledIn>;
  /**
   * Every path the kustomizations name inside the repository, tracked or not yet, but the
   * kustomizations (each can matter anyway), and every symlink passed on the way to one or to a
   * kustomization (a linked directory however high up, each link of a chain) with where it leads:
   * a change to one can change what kustomize deploys.
   */
  named: ReadonlySet<string>;
  /** Every ImageTagTransformer among the transformers, inline or in a file. */
  imageTransformers: readonly ImageTransformer[];
  /** Where a JSON 6902 patch copies or moves a value into an image field (kustomizeGraph readCopies). */
  imageCopies: readonly Place[];
  /**
   * What every replacement writes (kustomize's `replacements`, and ReplacementTransformers), and
   * every var (`vars:`) where a resource holds its `$(NAME)`.
   */
  replacementWrites(): ReplacementWrite[];
}

interface Replacement {
  at: Place;
  /** Whose resources it writes (a Component's: its includers'). */
  kustomization: string;
  node: YAMLMap;
  reader: DocumentReader;
  /** The line of an offset in the text it was read from (its entry's, for an inline configuration). */
  line: (offset: number) => number;
}

interface Generated {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** `key=value` literals by key; undefined when it also reads files, whose content is not known. */
  literals: Map<string, string> | undefined;
}

/** A kustomize var (`vars:`): what `$(NAME)` in a resource becomes, where kustomize substitutes it. */
interface Var {
  at: Place;
  name: string;
  source: Source | undefined;
}

/** What a replacement or a var reads: a field of a resource, by kind and name. */
interface Source {
  kind: string | undefined;
  name: string;
  fieldPath: string;
  /** A replacement's source `options`: the value split on `delimiter`, its `index`-th piece read. */
  delimiter?: { delimiter: string; index: number } | undefined;
}

interface KNode {
  component: boolean;
  vars: Var[];
  /** Kustomizations and files its `resources` (and old `bases`) name. */
  resources: string[];
  /** Components its `components` name. */
  components: string[];
  /** Its generators' ConfigMaps and Secrets. */
  generated: Generated[];
  /**
   * What it changes in the resources it reaches besides replacements and vars: the resources its
   * patches select (any, for a transformer or a patch nixtag cannot read), and the names of its
   * `images:` entries (undefined: any). A value written there may not be the one a replacement or
   * a var meets.
   */
  patches: Selector[];
  images: Array<string | undefined>;
  /** Whether a patch (`allowNameChange`, `allowKindChange`) or a transformer can rename the resources it reaches. */
  renames: boolean;
  /** Whether it configures transformers (`configurations`, `crds`): vars may then be substituted into images. */
  configures: boolean;
  /**
   * What it writes into resources beside them, where a var's `$(NAME)` is substituted too: the
   * lines of its transformers, generators, `images:` entries and Helm charts, and its inline
   * patches (`patch`: each read whole, as kustomize applies it).
   */
  settings: Setting[];
  /** Its first Helm chart's line: what a chart renders is not read. */
  helmChart: number | undefined;
}

/** The resources a patch selects, by kind and name (kustomize's patterns); undefined: any. */
interface Selector {
  kind: string | undefined;
  name: string | undefined;
}

/** A selector of every resource. */
const ANY: Selector = { kind: undefined, name: undefined };

/**
 * Whether a patch's selector can select a resource of this kind and name (undefined: not known).
 * kustomize reads the selector's fields as patterns, and a resource by the name it has when the
 * patch applies (prefixed, suffixed): a pattern is taken to select anything, a name that holds
 * the resource's.
 */
function selects(selector: Selector, kind: string | undefined, name: string | undefined): boolean {
  const matches = (pattern: string | undefined, value: string | undefined) =>
    pattern === undefined || value === undefined || /[\\^$.*+?()[\]{}|]/.test(pattern) || pattern.includes(value);
  return matches(selector.kind, kind) && matches(selector.name, name);
}

/** The resources a strategic-merge patch selects: each document's kind and name; any where it cannot be read. */
function patchSelectors(patchText: string | undefined): Selector[] {
  const docs = patchText === undefined ? [] : parseDocs(patchText);
  if (docs.length === 0) return [ANY];
  return docs.map(({ reader, contents }) =>
    isMap(contents)
      ? { kind: text(reader.value(contents, 'kind')), name: text(reader.at(contents, ['metadata', 'name'])) }
      : ANY,
  );
}

/** A line of what a kustomization writes into resources, or a patch (its first line, and its text). */
interface Setting {
  line: number;
  text: string;
  patch?: boolean;
}

/** A kustomization's keys whose content is written into resources, vars substituted in it afterwards (patches aside). */
const VAR_SETTINGS = new Set(['images', 'transformers', 'generators', 'helmCharts', 'helmChartInflationGenerator']);

/** Lists of containers, whose items hold images. */
const CONTAINERS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** A remote resource (a URL, a git repository): kustomize fetches it, nixtag does not read it. */
const REMOTE = /:\/\/|::|^git@|^(?:github\.com|gitlab\.com|bitbucket\.org)\/|\?ref=/i;

/** The text of `file` under `root`, or undefined. */
function readText(root: string, file: string): string | undefined {
  try {
    return readFileSync(path.join(root, file), 'utf8');
  } catch {
    return undefined;
  }
}

interface ParsedDoc {
  reader: DocumentReader;
  contents: unknown;
  line: (offset: number) => number;
}

/** Every document of a YAML text, each with its reader and a line counter. */
function parseDocs(text: string): ParsedDoc[] {
  const lineCounter = new LineCounter();
  const line = (offset: number) => lineCounter.linePos(offset).line;
  try {
    return parseAllDocuments(text, { lineCounter }).flatMap((doc) => {
      if (!('contents' in doc) || doc.errors.length > 0) return [];
      const reader = new DocumentReader(doc);
      return [{ reader, contents: reader.resolve(doc.contents), line }];
    });
  } catch {
    return []; // not YAML: kustomize fails on it, and nixtag reads nothing of it here
  }
}

/** A scalar's text; undefined for anything else. */
function text(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return typeof node.value === 'string' ? node.value : String(node.value as string | number | boolean);
}

/** The items of a list node (aliases resolved). */
function items(reader: DocumentReader, node: unknown): unknown[] {
  const list = reader.resolve(node);
  return isSeq(list) ? list.items.map((item) => reader.resolve(item)) : [];
}

/**
 * The segments of a kustomize field path: split on `.` (and `/`) outside brackets, `[k=v]` and
 * `[key]` kept whole.
 */
function fieldPathSegments(fieldPath: string): string[] {
  const segments: string[] = [];
  let current = '';
  let depth = 0;
  for (const character of fieldPath) {
    if (character === '[') depth++;
    if (character === ']') depth = Math.max(0, depth - 1);
    if (depth === 0 && (character === '.' || character === '/')) {
      segments.push(current);
      current = '';
    } else current += character;
  }
  segments.push(current);
  return segments.filter((segment) => segment !== '');
}

/** Whether a node is a map holding an `image` key at any depth, or a list of such (each node looked at once). */
function holdsImageField(reader: DocumentReader, node: unknown, seen = new Set<unknown>()): boolean {
  const resolved = reader.resolve(node);
  if (seen.has(resolved)) return false;
  seen.add(resolved);
  if (isMap(resolved)) {
    return resolved.items.some(
      (pair) => text(reader.resolve(pair.key)) === 'image' || holdsImageField(reader, pair.value, seen),
    );
  }
  if (isSeq(resolved)) return resolved.items.some((item) => holdsImageField(reader, item, seen));
  return false;
}

/**
 * The nodes a field path reaches in a document, with whether each is an image field (under an
 * `image` key, or a map or list holding one), and whether the path stops short (a field to
 * create).
 */
function resolveFieldPath(
  reader: DocumentReader,
  contents: unknown,
  fieldPath: string,
): { nodes: Array<{ node: unknown; imageField: boolean }>; missing: boolean } {
  let frontier: Array<{ node: unknown; key: string | undefined }> = [{ node: contents, key: undefined }];
  let missing = false;
  for (const segment of fieldPathSegments(fieldPath)) {
    const next: Array<{ node: unknown; key: string | undefined }> = [];
    for (const { node } of frontier) {
      const resolved = reader.resolve(node);
      const selector = /^\[([^=\]]+)=(.*)\]$/.exec(segment);
      const bracketKey = /^\[([^=]*)\]$/.exec(segment)?.[1];
      if (isSeq(resolved)) {
        const all = resolved.items.map((item) => reader.resolve(item));
        if (segment === '*' || segment === '-') next.push(...all.map((item) => ({ node: item, key: undefined })));
        else if (selector) {
          const [, key, value] = selector;
          next.push(
            ...all
              .filter((item) => isMap(item) && text(reader.value(item, key!)) === value)
              .map((item) => ({ node: item, key: undefined })),
          );
        } else if (/^\d+$/.test(segment) && all[Number(segment)] !== undefined) {
          next.push({ node: all[Number(segment)], key: undefined });
        }
      } else if (isMap(resolved)) {
        if (segment === '*') {
          next.push(
            ...resolved.items.map((pair) => ({
              node: reader.resolve(pair.value),
              key: text(reader.resolve(pair.key)),
            })),
          );
        } else {
          const key = bracketKey ?? segment;
          const value = reader.value(resolved, key);
          if (value !== undefined) next.push({ node: value, key });
        }
      }
    }
    if (next.length === 0) {
      missing = true;
      break;
    }
    frontier = next;
  }
  if (missing) return { nodes: [], missing };
  return {
    nodes: frontier.map(({ node, key }) => ({ node, imageField: key === 'image' || holdsImageField(reader, node) })),
    missing,
  };
}

/**
 * The kustomize graph of the tracked files under `root`: every kustomization read once, and what
 * it pulls in; the resources a replacement writes are read when asked.
 */
export function kustomizeGraph(root: string, tracked: readonly string[]): KustomizeGraph {
  const files = new Set(tracked);
  const byDirectory = new Map<string, string>();
  for (const file of tracked) if (KUSTOMIZATION_FILE.test(file)) byDirectory.set(path.posix.dirname(file), file);
  const nodes = new Map<string, KNode>();
  const resources = new Set<string>();
  const pulledIn = new Map<string, PulledIn>();
  const named = new Set<string>();
  const imageTransformers: ImageTransformer[] = [];
  const imageCopies: Place[] = [];
  const replacements: Replacement[] = [];
  /** Transformer and generator configurations kept in a kustomization's resources: read once all are known. */
  const configDirectories: Array<{ kustomization: string; by: string; key: SettingKey }> = [];

  let realRoot: string | undefined;
  /** Where a path leads through symlinks (a linked directory, as kustomize follows it), inside the repository. */
  const real = (file: string): string | undefined => {
    try {
      realRoot ??= realpathSync(root);
      const relative = path
        .relative(realRoot, realpathSync(path.join(root, file)))
        .split(path.sep)
        .join('/');
      return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative;
    } catch {
      return undefined; // not there (yet)
    }
  };
  /**
   * Notes every symlink reading a named path passes (the link itself, each of a chain, a linked
   * directory on the way, however high up) and the path it reaches: repointing any of them changes
   * what kustomize reads there, and a diff holds only the link.
   */
  const notePassed = (joined: string): void => {
    let walk;
    try {
      realRoot ??= realpathSync(root);
      walk = linksThrough(realRoot, joined);
    } catch {
      return; // no root to walk from
    }
    if (walk.linked) for (const passed of walk.passed) named.add(passed);
  };
  /** Whether a path is a file (or a symlink to one): a directory is no resource, patch or configuration. */
  const isFile = (file: string) => statSync(path.join(root, file), { throwIfNoEntry: false })?.isFile() === true;

  /**
   * A path a kustomization names, resolved: a kustomization (its directory named, also through a
   * symlink), a tracked file, or undefined (remote, outside, absent, a directory without one).
   */
  const resolveLink = (directory: string, link: string): string | undefined => {
    if (REMOTE.test(link)) return undefined;
    const joined = path.posix.normalize(path.posix.join(directory, link)).replace(/\/$/, '');
    if (joined === '..' || joined.startsWith('../') || path.posix.isAbsolute(joined)) return undefined;
    const kustomization = byDirectory.get(joined);
    if (kustomization !== undefined) return kustomization;
    named.add(joined);
    notePassed(joined);
    const through = files.has(joined) && isFile(joined) ? undefined : real(joined);
    if (through !== undefined) {
      const linked = byDirectory.get(through);
      if (linked !== undefined) return linked;
      named.add(through);
      return files.has(through) && isFile(through) ? through : undefined;
    }
    return files.has(joined) && isFile(joined) ? joined : undefined;
  };

  /** A configuration (transformer, generator, replacements) read from a document. */
  const readConfig = (doc: ParsedDoc, at: Place, kustomization: string, directory: string): void => {
    const { reader, contents } = doc;
    if (!isMap(contents)) return;
    const kind = text(reader.value(contents, 'kind'));
    if (kind === 'ImageTagTransformer') {
      const entry = reader.resolve(reader.value(contents, 'imageTag'));
      if (isMap(entry)) {
        imageTransformers.push({
          ...placeOf(doc, entry, at),
          name: text(reader.value(entry, 'name')),
          newName: text(reader.value(entry, 'newName')),
        });
      }
    }
    if (kind === 'ReplacementTransformer') {
      for (const item of items(reader, reader.value(contents, 'replacements'))) {
        if (!isMap(item)) continue;
        const file = text(reader.value(item, 'path'));
        if (file !== undefined) pullReplacements(kustomization, directory, file);
        else replacements.push({ at: placeOf(doc, item, at), kustomization, node: item, reader, line: doc.line });
      }
    }
    // The patch transformers name their patches by path, relative to the kustomization, or inline.
    for (const key of ['path', 'paths']) {
      const value = reader.resolve(reader.value(contents, key));
      for (const link of isSeq(value) ? items(reader, value).map(text) : [text(value)]) {
        const target = link === undefined ? undefined : resolveLink(directory, link);
        if (target !== undefined) pullPatch(target, kustomization, 'transformers');
      }
    }
    for (const key of ['patch', 'jsonOp']) {
      const inline = reader.value(contents, key);
      if (text(inline) !== undefined) readCopies(text(inline)!, placeOf(doc, inline, at), true);
    }
  };

  /**
   * JSON 6902 `copy` and `move` operations into an image field (`…/image`, or a container):
   * kustomize writes there a value taken from elsewhere, which nixtag does not judge. `inline`: a
   * patch written in a kustomization, placed at `at`; else a file, placed at each operation's line.
   */
  const readCopies = (patchText: string, at: Place, inline: boolean): void => {
    for (const doc of parseDocs(patchText)) {
      for (const operation of isSeq(doc.contents) ? items(doc.reader, doc.contents) : []) {
        if (!isMap(operation)) continue;
        const op = text(doc.reader.value(operation, 'op'));
        const pointer = text(doc.reader.value(operation, 'path'));
        if ((op !== 'copy' && op !== 'move') || pointer === undefined) continue;
        const segments = pointer.split('/').map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
        const last = segments.at(-1);
        const intoContainer = segments.some(
          (segment, index) => CONTAINERS.has(segment) && index >= segments.length - 2,
        );
        if (last !== 'image' && !intoContainer) continue;
        imageCopies.push(inline ? at : placeOf(doc, operation, at));
      }
    }
  };

  /** A patch file: pulled in, and read for the operations that copy into an image. */
  const pullPatch = (file: string, by: string, key: SettingKey): void => {
    pull(file, by, key);
    const content = readText(root, file);
    if (content !== undefined) readCopies(content, { file, line: 1 }, false);
  };

  /** The place of a node in a document: in an inline configuration, the kustomization's line. */
  const placeOf = (doc: ParsedDoc, node: unknown, fallback: Place): Place =>
    isNode(node) && node.range ? { file: fallback.file, line: doc.line(node.range[0]) } : fallback;

  const pull = (file: string, by: string, key: SettingKey): void => {
    if (!pulledIn.has(file)) pulledIn.set(file, { by, key });
  };

  /** A file of replacements (one, or a list). */
  const pullReplacements = (kustomization: string, directory: string, link: string): void => {
    const file = resolveLink(directory, link);
    if (file === undefined || byDirectory.get(path.posix.dirname(file)) === file) return;
    pull(file, kustomization, 'replacements');
    const content = readText(root, file);
    for (const doc of content === undefined ? [] : parseDocs(content)) {
      const list = isSeq(doc.contents) ? items(doc.reader, doc.contents) : [doc.contents];
      for (const item of list) {
        if (!isMap(item)) continue;
        const at = placeOf(doc, item, { file, line: 1 });
        replacements.push({ at, kustomization, node: item, reader: doc.reader, line: doc.line });
      }
    }
  };

  /** Transformer or generator configurations: inline YAML, a file, or a kustomization's resources. */
  const pullConfigs = (kustomization: string, directory: string, key: SettingKey, entry: unknown, doc: ParsedDoc) => {
    const value = text(entry);
    if (value === undefined) return;
    const at = placeOf(doc, entry, { file: kustomization, line: 1 });
    const target = value.includes('\n') ? undefined : resolveLink(directory, value);
    if (target !== undefined && byDirectory.get(path.posix.dirname(target)) === target) {
      configDirectories.push({ kustomization: target, by: kustomization, key });
      return;
    }
    if (target !== undefined) {
      pull(target, kustomization, key);
      const content = readText(root, target);
      for (const config of content === undefined ? [] : parseDocs(content)) {
        readConfig(config, { file: target, line: 1 }, kustomization, directory);
      }
      return;
    }
    // Inline: the string is the configuration's YAML.
    for (const config of parseDocs(value)) readConfig({ ...config, line: () => at.line }, at, kustomization, directory);
  };

  const nodeOf = (file: string): KNode => {
    const known = nodes.get(file);
    if (known !== undefined) return known;
    const node: KNode = {
      component: false,
      vars: [],
      resources: [],
      components: [],
      generated: [],
      patches: [],
      images: [],
      renames: false,
      configures: false,
      settings: [],
      helmChart: undefined,
    };
    nodes.set(file, node);
    notePassed(file); // a kustomization that is a symlink reads what it leads to
    const content = readText(root, file);
    const [doc] = content === undefined ? [] : parseDocs(content);
    if (doc === undefined || !isMap(doc.contents)) return node;
    const { reader, contents } = doc;
    const directory = path.posix.dirname(file);
    const links = (key: string) =>
      items(reader, reader.value(contents, key))
        .map(text)
        .filter((link) => link !== undefined);
    const targets = (key: string) =>
      links(key)
        .map((link) => resolveLink(directory, link))
        .filter((found) => found !== undefined);
    node.component = text(reader.value(contents, 'kind')) === 'Component';
    if (reader.value(contents, 'transformers') !== undefined) {
      node.patches.push(ANY);
      node.renames = true;
    }
    for (const entry of items(reader, reader.value(contents, 'images'))) {
      node.images.push(isMap(entry) ? text(reader.value(entry, 'name')) : undefined);
    }
    if (reader.value(contents, 'images') !== undefined && node.images.length === 0) node.images.push(undefined);
    node.configures = ['configurations', 'crds'].some((key) => reader.value(contents, key) !== undefined);
    const lines = content!.split('\n');
    for (const pair of contents.items) {
      const key = text(reader.resolve(pair.key));
      const range = isNode(pair.value) ? pair.value.range : undefined;
      if (key === undefined || !VAR_SETTINGS.has(key) || !range) continue;
      const from = doc.line(range[0]);
      if (key === 'helmCharts' || key === 'helmChartInflationGenerator') node.helmChart ??= from;
      for (let line = from; line <= doc.line(range[1]); line++)
        node.settings.push({ line, text: lines[line - 1] ?? '' });
    }
    node.resources = [...targets('resources'), ...targets('bases')];
    node.components = targets('components');
    for (const target of node.resources)
      if (byDirectory.get(path.posix.dirname(target)) !== target) resources.add(target);
    for (const key of ['patches', 'patchesJson6902'] as const) {
      const patches = items(reader, reader.value(contents, key));
      if (reader.value(contents, key) !== undefined && patches.length === 0) node.patches.push(ANY);
      for (const patch of patches) {
        if (!isMap(patch)) {
          node.patches.push(ANY);
          continue;
        }
        const link = text(reader.value(patch, 'path'));
        const target = link === undefined ? undefined : resolveLink(directory, link);
        if (target !== undefined) pullPatch(target, file, key);
        const inline = reader.value(patch, 'patch');
        if (text(inline) !== undefined) {
          const at = placeOf(doc, inline, { file, line: 1 });
          readCopies(text(inline)!, at, true);
          node.settings.push({ line: at.line, text: text(inline)!, patch: true });
        }
        const options = reader.resolve(reader.value(patch, 'options'));
        if (
          isMap(options) &&
          ['allowNameChange', 'allowKindChange'].some((key) => text(reader.value(options, key)) === 'true')
        ) {
          node.renames = true;
        }
        // The resources it selects: its target's, else (a strategic-merge patch) its own.
        const selector = reader.resolve(reader.value(patch, 'target'));
        if (isMap(selector)) {
          node.patches.push({
            kind: text(reader.value(selector, 'kind')),
            name: text(reader.value(selector, 'name')),
          });
        } else {
          node.patches.push(
            ...patchSelectors(text(inline) ?? (target === undefined ? undefined : readText(root, target))),
          );
        }
      }
    }
    const strategic = links('patchesStrategicMerge');
    if (reader.value(contents, 'patchesStrategicMerge') !== undefined && strategic.length === 0) node.patches.push(ANY);
    for (const patch of strategic) {
      // A path when it names a file, else the patch itself, inline.
      const target = patch.includes('\n') ? undefined : resolveLink(directory, patch);
      if (target !== undefined) pull(target, file, 'patchesStrategicMerge');
      if (target === undefined) node.settings.push({ line: 1, text: patch, patch: true });
      node.patches.push(...patchSelectors(target === undefined ? patch : readText(root, target)));
    }
    for (const key of ['transformers', 'generators'] as const) {
      for (const entry of items(reader, reader.value(contents, key))) pullConfigs(file, directory, key, entry, doc);
    }
    for (const item of items(reader, reader.value(contents, 'replacements'))) {
      if (!isMap(item)) continue;
      const link = text(reader.value(item, 'path'));
      if (link !== undefined) pullReplacements(file, directory, link);
      else {
        const at = placeOf(doc, item, { file, line: 1 });
        replacements.push({ at, kustomization: file, node: item, reader, line: doc.line });
      }
    }
    // Files read by generators, and by the Helm inflator: a change to one changes what is deployed.
    for (const key of ['configMapGenerator', 'secretGenerator'] as const) {
      for (const generator of items(reader, reader.value(contents, key))) {
        if (!isMap(generator)) continue;
        const name = text(reader.value(generator, 'name'));
        const read = [
          ...items(reader, reader.value(generator, 'files')),
          ...items(reader, reader.value(generator, 'envs')),
        ];
        for (const entry of read.map(text)) {
          const link = entry?.slice(entry.indexOf('=') + 1);
          if (link !== undefined) resolveLink(directory, link);
        }
        if (name === undefined) continue;
        const literals = new Map<string, string>();
        for (const literal of items(reader, reader.value(generator, 'literals')).map(text)) {
          const equals = literal?.indexOf('=') ?? -1;
          if (literal !== undefined && equals > 0) literals.set(literal.slice(0, equals), literal.slice(equals + 1));
        }
        node.generated.push({
          kind: key === 'configMapGenerator' ? 'ConfigMap' : 'Secret',
          name,
          literals: read.length === 0 ? literals : undefined,
        });
      }
    }
    for (const entry of items(reader, reader.value(contents, 'vars'))) {
      if (!isMap(entry)) continue;
      const name = text(reader.value(entry, 'name'));
      const objref = reader.resolve(reader.value(entry, 'objref'));
      const fieldref = reader.resolve(reader.value(entry, 'fieldref'));
      const sourceName = isMap(objref) ? text(reader.value(objref, 'name')) : undefined;
      if (name === undefined) continue;
      node.vars.push({
        at: placeOf(doc, entry, { file, line: 1 }),
        name,
        source:
          sourceName === undefined
            ? undefined
            : {
                kind: isMap(objref) ? text(reader.value(objref, 'kind')) : undefined,
                name: sourceName,
                fieldPath: (isMap(fieldref) ? text(reader.value(fieldref, 'fieldpath')) : undefined) ?? 'metadata.name',
              },
      });
    }
    for (const chart of items(reader, reader.value(contents, 'helmCharts'))) {
      const values = isMap(chart) ? text(reader.value(chart, 'valuesFile')) : undefined;
      if (values !== undefined) resolveLink(directory, values);
    }
    return node;
  };

  const reach = (from: string): Set<string> => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      if (byDirectory.get(path.posix.dirname(file)) !== file) return;
      const node = nodeOf(file);
      [...node.resources, ...node.components].forEach(visit);
    };
    visit(from);
    return seen;
  };
  const includers = (component: string, seen: Set<string>): string[] =>
    [...byDirectory.values()].flatMap((file) => {
      if (seen.has(file) || !nodeOf(file).components.includes(component)) return [];
      seen.add(file);
      return nodeOf(file).component ? includers(file, seen) : [file];
    });
  const reachOf = (kustomization: string): Set<string> | undefined => {
    if (byDirectory.get(path.posix.dirname(kustomization)) !== kustomization) return undefined;
    if (!nodeOf(kustomization).component) return reach(kustomization);
    return new Set(includers(kustomization, new Set([kustomization])).flatMap((file) => [...reach(file)]));
  };

  // Every kustomization is read: what each pulls in is known before any file is.
  for (const file of byDirectory.values()) nodeOf(file);
  // Configurations kept as a kustomization's resources: the files it reaches.
  for (const { kustomization, by, key } of configDirectories) {
    for (const file of reach(kustomization)) {
      if (byDirectory.get(path.posix.dirname(file)) === file) continue;
      resources.delete(file);
      pull(file, by, key);
      const content = readText(root, file);
      for (const config of content === undefined ? [] : parseDocs(content)) {
        readConfig(config, { file, line: 1 }, by, path.posix.dirname(by));
      }
    }
  }
  for (const file of pulledIn.keys()) resources.delete(file);

  /** A resource's documents, parsed once. */
  const docsOf = new Map<string, ParsedDoc[]>();
  const docs = (file: string): ParsedDoc[] => {
    let known = docsOf.get(file);
    if (known === undefined) {
      const content = readText(root, file);
      docsOf.set(file, (known = content === undefined ? [] : parseDocs(content)));
    }
    return known;
  };

  const replacementWrites = (): ReplacementWrite[] => {
    const writes: ReplacementWrite[] = [];
    /** The writes that reach each node of a resource. */
    const byNode = new Map<unknown, ReplacementWrite[]>();
    /** Writes of a piece of a value (a delimiter), judged on the value they leave: known only when they alone write it. */
    const pieceWrites: Array<{ write: ReplacementWrite; node: unknown }> = [];
    /** What each replacement writes, and the nodes its source reads: not known when something writes them first. */
    const sourced: Array<{ writes: ReplacementWrite[]; read: unknown[] }> = [];
    const record = (write: ReplacementWrite, node: unknown): void => {
      writes.push(write);
      const known = byNode.get(node);
      if (known === undefined) byNode.set(node, [write]);
      else known.push(write);
    };
    for (const replacement of replacements) {
      const { reader, node } = replacement;
      const reached = [...(reachOf(replacement.kustomization) ?? [])];
      const plain = reached.filter((file) => byDirectory.get(path.posix.dirname(file)) !== file);
      const kustomizations = reached.filter((file) => byDirectory.get(path.posix.dirname(file)) === file);
      const from = reader.resolve(reader.value(node, 'source'));
      const sourceName = isMap(from) ? text(reader.value(from, 'name')) : undefined;
      const own = { writes: [] as ReplacementWrite[], read: [] as unknown[] };
      sourced.push(own);
      const read =
        sourceName === undefined || !isMap(from)
          ? undefined
          : sourceValues(
              {
                kind: text(reader.value(from, 'kind')),
                name: sourceName,
                fieldPath: text(reader.value(from, 'fieldPath')) ?? 'metadata.name',
                delimiter: piecesOf(reader, reader.value(from, 'options')),
              },
              plain,
              kustomizations,
              own.read,
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
                    target: { file, from: doc.line(written.range[0]), to: doc.line(written.range[1]), imageField },
                    source: values,
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
    // vars: kustomize substitutes, when it builds a kustomization, the vars of everything it
    // reaches (its bases' and components' too) in every resource it reaches.
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
              target: { file, from, to, imageField: key === 'image' },
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
    // A piece written where something else writes too: what it meets is not known.
    for (const { write, node } of pieceWrites) if ((byNode.get(node)?.length ?? 0) > 1) write.source = undefined;
    // A source another replacement or a var writes: what it reads is not what the resource holds.
    for (const { writes: own, read } of sourced) {
      if (read.some((node) => byNode.has(node))) for (const write of own) write.source = undefined;
    }
    return writes;
  };

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
   * nodes it reads are added to `nodes`.
   */
  const sourceValues = (
    { kind, name, fieldPath, delimiter }: Source,
    plain: readonly string[],
    kustomizations: readonly string[],
    nodes: unknown[] = [],
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

  return { reach: reachOf, resources, pulledIn, named, imageTransformers, imageCopies, replacementWrites };
}

/** The most values nixtag works out for one field (every var's every value); beyond, not known. */
const MAX_VALUES = 64;

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

/**
 * The resources a document holds, as kustomize reads them: the document, or the items of a
 * list (a kind ending in `List`, `kubectl get -o yaml`'s), lists in it too.
 */
function resourcesOf(reader: DocumentReader, contents: unknown, seen = new Set<unknown>()): unknown[] {
  const resolved = reader.resolve(contents);
  if (seen.has(resolved)) return [];
  seen.add(resolved);
  if (!isMap(resolved)) return [resolved];
  const kind = text(reader.value(resolved, 'kind'));
  const list = reader.resolve(reader.value(resolved, 'items'));
  if (kind === undefined || !kind.endsWith('List') || !isSeq(list)) return [resolved];
  return list.items.flatMap((item) => resourcesOf(reader, item, seen));
}

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

/** The string scalars of a document that hold `needle`, with the key each is under (each node looked at once). */
function scalarsHolding(
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

/** Where in a kustomization kustomize sets what it deploys, unread by nixtag: 1-based lines, and the key. */
export interface SettingRange {
  from: number;
  to: number;
  key: string;
}

/**
 * Whether a `newName` carries a tag or digest: a `:` or `@` after its last `/` (a registry's
 * port comes before it), parsable or not (`app:`, `app@`).
 */
function taggedName(newName: Scalar | undefined): boolean {
  if (typeof newName?.value !== 'string') return false;
  const last = newName.value.slice(newName.value.lastIndexOf('/') + 1);
  return last.includes(':') || last.includes('@');
}

/**
 * The line ranges of a kustomization's patches (inline ones included), transformers, generators,
 * replacements and Helm charts, and of the `images:` entries whose `newName` carries a tag or
 * digest (kustomize renders `repo:tag:tag`), also in a Flux Kustomization's `spec`
 * (shapes/kustomize.ts kustomizeHolder): where kustomize sets what it deploys and nixtag reads no
 * reference.
 */
export function settingRanges(root: string, file: string): SettingRange[] {
  const text = readText(root, file);
  if (text === undefined) return [];
  const lineCounter = new LineCounter();
  const line = (offset: number) => lineCounter.linePos(offset).line;
  const ranges: SettingRange[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter })) {
    if (!('contents' in doc)) continue;
    // Read as the kustomize shape reads it: aliases, merge keys, a key written twice.
    const reader = new DocumentReader(doc);
    const holder = kustomizeHolder(reader, file);
    for (const pair of holder?.items ?? []) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      const range = isNode(pair.value) ? pair.value.range : undefined;
      if (key === 'images' && isSeq(pair.value)) {
        for (const entry of pair.value.items) {
          const map = reader.resolve(entry);
          if (!isMap(map) || !isNode(entry) || !entry.range || !taggedName(reader.scalar(map, 'newName'))) continue;
          ranges.push({ from: line(entry.range[0]), to: line(entry.range[2]), key });
        }
      }
      if (typeof key !== 'string' || !SETTING_KEYS.has(key) || range == null) continue;
      ranges.push({ from: line(range[0]), to: line(range[2]), key });
    }
  }
  return ranges;
}
