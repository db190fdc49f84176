import type { YAMLMap } from 'yaml';
import type { DocumentReader } from '../documentReader.js';
import type { ParsedDoc } from './documents.js';
import type { Selector } from './selectors.js';

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

/** A file a kustomization pulls in whose content kustomize applies (a patch, a transformer's or generator's configuration, replacements). */
export interface PulledIn {
  /** The kustomization that names it. */
  by: string;
  key: SettingKey;
  /**
   * The lines of its documents that write only a ConfigMap's or Secret's data (a generator's
   * builtin ConfigMapGenerator or SecretGenerator): what names an image there is a mention, as in
   * a kustomization's `configMapGenerator:`.
   */
  data?: Array<{ from: number; to: number }>;
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
  /**
   * The resource file and the lines written, and the offsets of the node written (`[start, end)`,
   * where known); undefined for an image field kustomize creates.
   */
  target: { file: string; from: number; to: number; imageField: boolean; start?: number; end?: number } | undefined;
  /**
   * Every value the field can hold once written: what the source reads, or, for a piece of a value
   * (a delimiter) and a var, the whole value it leaves.
   */
  source: string[] | undefined;
  /**
   * Where each value of `source` is read whole, in order (a replacement with no delimiter whose
   * source is a field of a resource file, not a generated one); undefined otherwise.
   */
  copiedFrom?: Array<{ file: string; line: number }> | undefined;
}

export interface Replacement {
  at: Place;
  /** Whose resources it writes (a Component's: its includers'). */
  kustomization: string;
  node: YAMLMap;
  reader: DocumentReader;
  /** The line of an offset in the text it was read from (its entry's, for an inline configuration). */
  line: (offset: number) => number;
}

export interface Generated {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** `key=value` literals by key; undefined when it also reads files, whose content is not known. */
  literals: Map<string, string> | undefined;
}

/** A kustomize var (`vars:`): what `$(NAME)` in a resource becomes, where kustomize substitutes it. */
export interface Var {
  at: Place;
  name: string;
  source: Source | undefined;
}

/** What a replacement or a var reads: a field of a resource, by kind and name. */
export interface Source {
  kind: string | undefined;
  name: string;
  fieldPath: string;
  /** A replacement's source `options`: the value split on `delimiter`, its `index`-th piece read. */
  delimiter?: { delimiter: string; index: number } | undefined;
}

export interface KNode {
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
  /**
   * Whether it pulls in what nixtag reads no reference in: a resource, base or component it
   * cannot read (remote, outside the repository, absent), a Helm chart, a generator.
   */
  unread: boolean;
}

/** A line of what a kustomization writes into resources, or a patch (its first line, and its text). */
interface Setting {
  line: number;
  text: string;
  patch?: boolean;
}

/** The graph as its replacements and vars are evaluated over it (graph.ts), every kustomization read. */
export interface Walk {
  root: string;
  /** Every kustomization kustomize reads by name, by its directory. */
  byDirectory: ReadonlyMap<string, string>;
  nodeOf: (file: string) => KNode;
  /** The files a kustomization reaches through `resources`, `bases` and `components`. */
  reach: (from: string) => Set<string>;
  /** The files a kustomization's transformers reach (a Component's: its includers'). */
  reachOf: (kustomization: string) => Set<string> | undefined;
  replacements: readonly Replacement[];
  pulledIn: ReadonlyMap<string, PulledIn>;
  /** A resource's documents, parsed once. */
  docs: (file: string) => ParsedDoc[];
}
