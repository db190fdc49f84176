import type { ReadOnly } from '../manifest/read.js';
import type { ReferenceSummary } from '../manifest/resolve.js';
import type { ScannedManifest } from '../manifest/scan.js';
import type { Warning } from '../types.js';
import type { ResolvedImage } from './images.js';

/** A reference as a manifest entry lists it: its summary, and the image it belongs to. */
export interface ReferenceEntry {
  reference: ReferenceSummary;
  /** The image it belongs to; undefined for a reference nixtag saw but does not manage. */
  image: ResolvedImage | undefined;
  /** A kustomize entry's `tagSuffix` appended to its tag where deployed (engine/renames.ts). */
  tagSuffix?: { suffix: string; file: string; line: number } | undefined;
}

/** One manifest as the run read it (or recalled its scan), with its references. */
export interface ManifestEntry {
  /** The manifest as the tree names it. */
  file: string;
  /** The manifest as parsed in this run; undefined when its scan was remembered by blob id. */
  parsed: ScannedManifest | undefined;
  /** The file to write: the manifest itself, or the file its symlink names. */
  target: string;
  /** Why the target must not be written, if so. */
  readOnly?: ReadOnly | undefined;
  references: ReferenceEntry[];
}

/** What one run found in the manifests: each manifest with its references, and the images they belong to. */
export interface Scan {
  /** Configured images, or the one inferred from the references. */
  images: ResolvedImage[];
  manifests: ManifestEntry[];
  warnings: Warning[];
  /** Files beyond the manifests that what was read depends on (a chart's templates), and globs for new ones. */
  dependsOn?: { files: string[]; globs: string[] } | undefined;
}
