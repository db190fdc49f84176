import type { Scalar, YAMLMap } from 'yaml';
import type { DocumentReader } from '../documentReader.js';

/** How a manifest holds a reference: a whole `repo:tag` string, or a scalar that is only the tag. */
export type OccurrenceForm = 'reference' | 'tag';

export type OccurrenceContext =
  'image-key' | 'sibling-tag' | 'kustomize' | 'helm-parameter' | 'marker' | 'helm-app-version';

/** A block string of YAML inside the manifest (Argo CD's `helm.values: |`). */
export interface Embedded {
  /** The block's value: the YAML the scalar nodes' ranges refer to. */
  text: string;
  /** Where a character of `text` is in the manifest; undefined where it is not written literally. */
  toHost(offset: number): number | undefined;
  /** Where the scalar holding it starts in the manifest: what is found inside is reported there when `toHost` cannot say. */
  at: number;
}

export interface Occurrence {
  form: OccurrenceForm;
  context: OccurrenceContext;
  /** The scalar whose characters are rewritten (for a tag that is not written: the repository's). */
  node: Scalar;
  /** The scalar's value as text (`1.0` stays `1.0`). */
  text: string;
  /** For tag forms: the repository written beside the tag, if any. */
  repository?: string | undefined;
  /** The scalar that holds that repository. */
  repositoryNode?: Scalar | undefined;
  /** For tag forms whose tag is not written at all: the key that would hold it. */
  missingTag?: string | undefined;
  /** Image name from a `# {"$nixtag": "NAME"}` marker. */
  markerImage?: string | undefined;
  /** What the marker says the value is: a whole reference (`NAME`) or only its tag (`NAME:tag`). */
  markerKind?: OccurrenceForm | undefined;
  /** A digest scalar beside a map-form tag (Helm `digest:`, kustomize `digest:`). */
  digestNode?: Scalar | undefined;
  /**
   * A kustomize entry that renames the image `renames` to this repository and sets no tag: the
   * base's references named `renames` deploy as this repository with their own tags, so they are
   * judged as its references (engine/references.ts); the entry itself is never judged.
   */
  renames?: string | undefined;
  /**
   * With `renames`: the entry's `tagSuffix` (no `newTag` or `digest`), which kustomize appends to
   * the base's tags: the tag deployed is never the one CI pushes (engine/renames.ts).
   */
  tagSuffix?: string | undefined;
  /**
   * A kustomize entry's `name` that the entry deploys under (no `newName`): kustomize matches it
   * as a Go regular expression, a plain repository name too (`.` matches any character, case
   * counts), so which image it reaches is decided by matching it as Go does against the ways the
   * images are written (engine/images.ts).
   */
  namePattern?: string | undefined;
  /**
   * With `namePattern`: every entry of its kustomization's `images:`, in order, and its index
   * among them. kustomize applies them in turn to each base's image: the ones before change what
   * this name meets, and an image a later one retags deploys that tag, not this one's
   * (engine/images.ts patternReaches).
   */
  order?: { entries: readonly LaterEntry[]; index: number } | undefined;
  /** Other scalars the reference is read with (a kustomize entry's `name`, a `registry`): never edited. */
  related?: readonly Scalar[] | undefined;
  /** Set when the scalars are inside a block string of YAML rather than in the manifest itself. */
  embedded?: Embedded | undefined;
  /**
   * Scalars of this occurrence that an anchor also shows in a place read otherwise (another
   * image's tag, a key no shape reads), with where that place starts: rewriting them would
   * change it too.
   */
  shared?: ReadonlyMap<Scalar, number> | undefined;
}

/** An `images:` entry as kustomize's image transformer reads it, its fields that are set (not empty). */
export interface LaterEntry {
  name: string;
  newName?: string | undefined;
  tag?: string | undefined;
  digest?: string | undefined;
  suffix?: string | undefined;
}

/** What a shape sees of the document being searched. */
export interface ShapeContext {
  /** The document as its readers resolve it (aliases, merge keys, duplicated keys). */
  reader: DocumentReader;
  fileName: string;
  /** Occurrences found so far, by scalar: a shape may refine one another shape found. */
  found: Map<Scalar, Occurrence>;
  /**
   * Records an occurrence, unless its scalar was found already and reads the same there (an
   * anchored tag read beside two repositories is two references).
   */
  add(occurrence: Occurrence): void;
  /** The occurrences in a block string of YAML (parsed and searched like a manifest). */
  locateEmbedded(node: Scalar): Occurrence[];
}

/**
 * One way a manifest holds an image reference. Each shape names the words without which a file
 * cannot hold it (the scan parses no file that has none of them) and finds its occurrences: in
 * every map of the document (`inMap`), once per document (`inDocument`), or among the scalars
 * that carry a trailing comment (`commented`, after the others, so it may override them).
 */
export interface ReferenceShape {
  context: OccurrenceContext;
  keywords: readonly string[];
  inMap?(map: YAMLMap, context: ShapeContext): void;
  inDocument?(context: ShapeContext): void;
  commented?(nodes: readonly Scalar[], context: ShapeContext): void;
}
