import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isNode, isSeq } from 'yaml';
import { KUSTOMIZATION_FILE } from '../fileNames.js';
import type { DocumentReader } from '../documentReader.js';
import { linksThrough } from '../links.js';
import { isDataGenerator, items, parseDocs, parseFailure, type ParsedDoc, readText, text } from './documents.js';
import { ledger } from './ledger.js';
import { writeReplacements } from './replacements.js';
import { ANY, patchSelectors } from './selectors.js';
import { sourceReader } from './sources.js';
import type {
  ImageTransformer,
  KNode,
  Place,
  PulledIn,
  Replacement,
  ReplacementWrite,
  SettingKey,
  Walk,
} from './types.js';
import { writeVars } from './vars.js';

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
  /**
   * Whether what a kustomization's `images:` entries reach can hold references nixtag reads
   * nowhere (a remote base, a Helm chart, a generator's output, what another kustomization's
   * `images:` entries leave): the kustomizations it reaches (a Component's includers') pull in
   * any, or have `images:` of their own. Undefined for a file that is not a kustomization
   * kustomize reads by name.
   */
  reachesUnread(kustomization: string): boolean | undefined;
  /** Whether a file is a kustomization kustomize reads by name. */
  isKustomization(file: string): boolean;
  /** The resources, bases and components the kustomizations fetch from elsewhere (a URL, a git repository). */
  remotes: readonly RemoteLink[];
  /** The Helm charts of the kustomizations (`helmCharts`) whose values an override can set an image in. */
  chartOverrides: readonly ChartOverride[];
  /** The kustomizations that reach a kustomization (through `resources`, `bases`, `components`): the overlays above it. */
  overlaysOf(kustomization: string): string[];
  /** Every ImageTagTransformer among the transformers, inline or in a file. */
  imageTransformers: readonly ImageTransformer[];
  /** Where a JSON 6902 patch copies or moves a value into an image field (graph.ts readCopies). */
  imageCopies: readonly Place[];
  /**
   * What every replacement writes (kustomize's `replacements`, and ReplacementTransformers), and
   * every var (`vars:`) where a resource holds its `$(NAME)`.
   */
  replacementWrites(): ReplacementWrite[];
  /**
   * The submodules (of `gitlinks`) a kustomization names a path in, each with the first
   * kustomization that does: kustomize reads their files as a recursive clone holds them.
   */
  submodules: ReadonlyMap<string, string>;
  /**
   * What kustomize reads inside the submodules, once their files are among `tracked`: the
   * kustomizations and resources it deploys (`manifests`), and those with what it applies to them
   * (`read`: patches, configurations), where a managed image must not be named unread.
   */
  inSubmodules(): { manifests: string[]; read: string[] };
  /**
   * The kustomizations the yaml library cannot parse (read as having no keys), with where it
   * stops and the paths each word of the text names from its directory: kubectl reads some YAML
   * the library refuses, so what one deploys is not known (engine/unparsable.ts).
   */
  unparsable: readonly UnparsableKustomization[];
}

/** A kustomization nixtag cannot parse, with the paths its words may name. */
export interface UnparsableKustomization {
  file: string;
  line: number;
  column: number;
  why: string;
  /** Every word of the text that reads as a path, resolved from its directory, inside the repository. */
  paths: string[];
}

/** The paths the words of a text name from `directory`, inside the repository: what an unparsable kustomization may link. */
function wordPaths(directory: string, content: string): string[] {
  const paths = new Set<string>();
  for (const [word] of content.matchAll(/[A-Za-z0-9_.~@+/-]+/g)) {
    const joined = path.posix.normalize(path.posix.join(directory, word)).replace(/\/$/, '');
    if (joined !== '..' && !joined.startsWith('../') && !path.posix.isAbsolute(word)) paths.add(joined);
  }
  return [...paths];
}

/** A kustomization's keys whose content is written into resources, vars substituted in it afterwards (patches aside). */
const VAR_SETTINGS = new Set(['images', 'transformers', 'generators', 'helmCharts', 'helmChartInflationGenerator']);

/** Lists of containers, whose items hold images. */
const CONTAINERS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** A remote resource (a URL, a git repository, `user@host:path`): kustomize fetches it, nixtag does not read it. */
const REMOTE = /:\/\/|::|^[\w.-]+@[\w.-]+:|^(?:github\.com|gitlab\.com|bitbucket\.org)\/|\?ref=/i;

/**
 * A `helmCharts` entry whose `valuesInline`, `valuesFile` or `additionalValuesFiles` can set an
 * image (a key that names an image, a tag, a digest, a registry or a version, or a values file
 * nixtag cannot read): helm merges them over the chart's values, so a tag alone overrides the
 * tag beside a repository the chart's `values.yaml` names. `chart`: where kustomize looks for it.
 */
export interface ChartOverride extends Place {
  chart: string;
}

/** A key of Helm values that can set (a piece of) an image. */
const IMAGE_KEY = /tag|image|digest|registry|repository|version/i;

/** A remote resource, base or component, where a kustomization names it. */
export interface RemoteLink extends Place {
  link: string;
}

/**
 * The kustomize graph of the tracked files under `root`: every kustomization read once, and what
 * it pulls in; the resources a replacement writes are read when asked.
 */
export function kustomizeGraph(
  root: string,
  tracked: readonly string[],
  gitlinks: readonly string[] = [],
): KustomizeGraph {
  const files = new Set(tracked);
  /** The submodule a path lies at or under. */
  const submoduleOf = (file: string) => gitlinks.find((link) => file === link || file.startsWith(`${link}/`));
  const submodules = new Map<string, string>();
  /** Kustomizations in submodules that a kustomization names: read, unlike the submodules' others. */
  const pending: string[] = [];
  const byDirectory = new Map<string, string>();
  for (const file of tracked) if (KUSTOMIZATION_FILE.test(file)) byDirectory.set(path.posix.dirname(file), file);
  const nodes = new Map<string, KNode>();
  const resources = new Set<string>();
  const pulledIn = new Map<string, PulledIn>();
  const named = new Set<string>();
  const imageTransformers: ImageTransformer[] = [];
  const unparsable: UnparsableKustomization[] = [];
  const imageCopies: Place[] = [];
  const remotes: RemoteLink[] = [];
  const chartOverrides: ChartOverride[] = [];
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
  const notePassed = (joined: string, directory: string): void => {
    let walk;
    try {
      realRoot ??= realpathSync(root);
      walk = linksThrough(realRoot, joined);
    } catch {
      return; // no root to walk from
    }
    if (!walk.linked) return;
    for (const passed of walk.passed) {
      named.add(passed);
      intoSubmodule(passed, directory); // also through a link whose submodule is not there
    }
  };
  /**
   * Notes a path a kustomization in `directory` reads in a submodule: the submodule, and a
   * kustomization there to read (unlike the submodule's others).
   */
  const intoSubmodule = (target: string, directory: string) => {
    const submodule = submoduleOf(target);
    if (submodule === undefined) return;
    if (!submodules.has(submodule)) submodules.set(submodule, byDirectory.get(directory) ?? directory);
    if (byDirectory.get(path.posix.dirname(target)) === target && !nodes.has(target)) pending.push(target);
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
    // The kustomization of a directory named (noting a submodule on the way), if it is one.
    const kustomizationAt = (place: string) => {
      intoSubmodule(place, directory);
      const kustomization = byDirectory.get(place);
      if (kustomization !== undefined) intoSubmodule(kustomization, directory);
      return kustomization;
    };
    const kustomization = kustomizationAt(joined);
    if (kustomization !== undefined) return kustomization;
    named.add(joined);
    notePassed(joined, directory);
    const through = files.has(joined) && isFile(joined) ? undefined : real(joined);
    if (through !== undefined) {
      const linked = kustomizationAt(through);
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
  /** Lines of a generators file that write only a ConfigMap's or Secret's data (when it is pulled in as generators alone). */
  const noteData = (file: string, lines: { from: number; to: number }): void => {
    const pulled = pulledIn.get(file);
    if (pulled?.key === 'generators') (pulled.data ??= []).push(lines);
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
        if (key === 'generators' && isDataGenerator(config.reader, config.contents)) noteData(target, config.lines);
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
      unread: false,
    };
    nodes.set(file, node);
    notePassed(file, path.posix.dirname(file)); // a kustomization that is a symlink reads what it leads to
    const content = readText(root, file);
    const failure = content === undefined ? undefined : parseFailure(content);
    if (failure !== undefined)
      unparsable.push({ file, ...failure, paths: wordPaths(path.posix.dirname(file), content!) });
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
    for (const key of ['resources', 'bases', 'components']) {
      for (const item of items(reader, reader.value(contents, key))) {
        const link = text(item);
        if (link !== undefined && REMOTE.test(link)) remotes.push({ ...placeOf(doc, item, { file, line: 1 }), link });
      }
    }
    node.resources = [...targets('resources'), ...targets('bases')];
    node.components = targets('components');
    node.unread =
      ['resources', 'bases', 'components'].some((key) =>
        links(key).some((link) => resolveLink(directory, link) === undefined),
      ) ||
      ['helmCharts', 'helmChartInflationGenerator', 'generators'].some(
        (key) => reader.value(contents, key) !== undefined,
      );
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
    const globals = reader.resolve(reader.value(contents, 'helmGlobals'));
    const chartHome = (isMap(globals) ? text(reader.value(globals, 'chartHome')) : undefined) ?? 'charts';
    for (const chart of items(reader, reader.value(contents, 'helmCharts'))) {
      if (!isMap(chart)) continue;
      const valuesFiles = [
        text(reader.value(chart, 'valuesFile')),
        ...items(reader, reader.value(chart, 'additionalValuesFiles')).map(text),
      ].filter((link) => link !== undefined);
      // A values file is read as Helm reads it; one nixtag cannot read (remote, absent) may set anything.
      const fromFiles = valuesFiles.some((link) => {
        const target = resolveLink(directory, link);
        const content = target === undefined ? undefined : readText(root, target);
        return content === undefined || parseDocs(content).some((values) => setsImage(values.reader, values.contents));
      });
      const name = text(reader.value(chart, 'name'));
      if (name === undefined || !(fromFiles || setsImage(reader, reader.value(chart, 'valuesInline')))) continue;
      chartOverrides.push({
        ...placeOf(doc, chart, { file, line: 1 }),
        chart: path.posix.normalize(path.posix.join(directory, chartHome, name)),
      });
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
      if (seen.has(file) || (submoduleOf(file) !== undefined && !nodes.has(file))) return [];
      if (!nodeOf(file).components.includes(component)) return [];
      seen.add(file);
      return nodeOf(file).component ? includers(file, seen) : [file];
    });
  const reachOf = (kustomization: string): Set<string> | undefined => {
    if (byDirectory.get(path.posix.dirname(kustomization)) !== kustomization) return undefined;
    if (!nodeOf(kustomization).component) return reach(kustomization);
    return new Set(includers(kustomization, new Set([kustomization])).flatMap((file) => [...reach(file)]));
  };

  // Every kustomization is read (in a submodule, those named): what each pulls in is known before any file is.
  for (const file of byDirectory.values()) if (submoduleOf(file) === undefined) nodeOf(file);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) nodeOf(next);
  // Configurations kept as a kustomization's resources: the files it reaches.
  for (const { kustomization, by, key } of configDirectories) {
    for (const file of reach(kustomization)) {
      if (byDirectory.get(path.posix.dirname(file)) === file) continue;
      resources.delete(file);
      pull(file, by, key);
      const content = readText(root, file);
      for (const config of content === undefined ? [] : parseDocs(content)) {
        readConfig(config, { file, line: 1 }, by, path.posix.dirname(by));
        if (key === 'generators' && isDataGenerator(config.reader, config.contents)) noteData(file, config.lines);
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

  const walk: Walk = { root, byDirectory, nodeOf, reach, reachOf, replacements, pulledIn, docs };
  const sources = sourceReader(walk);
  const replacementWrites = (): ReplacementWrite[] => {
    const writes = ledger();
    writeReplacements(walk, sources, writes);
    writeVars(walk, sources, writes);
    return writes.settle();
  };

  const inSubmodules = () => {
    const under = (file: string) => submoduleOf(file) !== undefined;
    const kustomizations = [...nodes.keys()].filter(under);
    const manifests = [...new Set([...kustomizations, ...[...resources].filter(under)])].sort();
    const read = [...new Set([...manifests, ...[...pulledIn.keys()].filter(under)])].sort();
    return { manifests, read };
  };

  const reachesUnread = (kustomization: string): boolean | undefined => {
    const reached = reachOf(kustomization);
    if (reached === undefined) return undefined;
    return [...reached].some((file) => {
      if (byDirectory.get(path.posix.dirname(file)) !== file) return false;
      // Another kustomization's `images:` entries change the bases first: what they leave is no reference read.
      return nodeOf(file).unread || (file !== kustomization && nodeOf(file).images.length > 0);
    });
  };

  return {
    reach: reachOf,
    reachesUnread,
    isKustomization: (file) => byDirectory.get(path.posix.dirname(file)) === file,
    remotes,
    chartOverrides,
    overlaysOf: (kustomization) =>
      [...nodes.keys()].filter((file) => file !== kustomization && reach(file).has(kustomization)).sort(),
    resources,
    pulledIn,
    named,
    imageTransformers,
    imageCopies,
    replacementWrites,
    submodules,
    inSubmodules,
    unparsable,
  };
}

/** Whether Helm values hold a key that can set an image (IMAGE_KEY), at any depth. */
function setsImage(reader: DocumentReader, node: unknown, seen = new Set<unknown>()): boolean {
  const resolved = reader.resolve(node);
  if (seen.has(resolved)) return false;
  seen.add(resolved);
  if (isSeq(resolved)) return resolved.items.some((item) => setsImage(reader, item, seen));
  if (!isMap(resolved)) return false;
  return resolved.items.some(
    (pair) => IMAGE_KEY.test(text(reader.resolve(pair.key)) ?? '') || setsImage(reader, pair.value, seen),
  );
}
