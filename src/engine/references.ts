import path from 'node:path';
import { messages } from '../messages.js';
import type { Warning } from '../types.js';
import type { ReferenceSummary } from '../manifest/resolve.js';
import type { ScannedManifest } from '../manifest/scan.js';
import { imageFor, inferImage, type ResolvedImage } from './images.js';
import { unmatchedGlobs } from './manifestSet.js';
import { grepRepositories, mentionWarnings } from './mentions.js';
import type { Session } from './session.js';

export interface FoundReference {
  reference: ReferenceSummary;
  /** The image it belongs to; undefined for a reference nixtag saw but does not manage. */
  image: ResolvedImage | undefined;
}

export interface ManifestEntry {
  /** The manifest as the tree names it. */
  file: string;
  /** The manifest as parsed in this run; undefined when its scan was remembered by blob id. */
  parsed: ScannedManifest | undefined;
  /** The file to write: the manifest itself, or the file its symlink names. */
  target: string;
  /** Why the target must not be written (a symlink out of the repository), if so. */
  readOnly?: string | undefined;
  references: FoundReference[];
}

export interface Scan {
  /** Configured images, or the one inferred from the references. */
  images: ResolvedImage[];
  manifests: ManifestEntry[];
  warnings: Warning[];
}

/** How many manifests were read and parsed in this run, and how many were remembered by blob id. */
export function scanCounts(scan: Scan): { read: number; remembered: number } {
  const remembered = scan.manifests.filter((entry) => entry.parsed === undefined).length;
  return { read: scan.manifests.length - remembered, remembered };
}

/** The YAML side loads while Nix already runs: it is not on the path to the first Nix call. */
const manifestModules = () =>
  Promise.all([import('../manifest/read.js'), import('../manifest/resolve.js'), import('../manifest/write.js')]).then(
    ([read, resolve, write]) => ({ ...read, ...resolve, ...write }),
  );

/**
 * Temporary files a killed `fix` left beside the manifests of the working tree (where every fix
 * writes, also with --staged) are removed, so that `git add -A` never commits one.
 */
function removeLeftovers(
  session: Session,
  remove: (directories: Iterable<string>, keep: (file: string) => boolean) => Promise<string[]>,
): Promise<string[]> {
  const root = session.repository.root;
  const tracked = new Set(session.entries.map((entry) => path.join(root, entry.path)));
  const directories = [...session.scopes.keys()].map((file) => path.join(root, path.dirname(file)));
  return remove(directories, (file) => tracked.has(file));
}

/**
 * Reads the manifests in scope and ties every reference to its image; without configuration,
 * infers the image from the hash-tagged references.
 */
export async function findReferences(session: Session): Promise<Scan> {
  const { readManifests, removeAbandonedTemporaries } = await manifestModules();
  const leftovers = removeLeftovers(session, removeAbandonedTemporaries);
  const warnings: Warning[] = [];
  // Configured repositories are known now: git looks for their mentions while the YAML is read.
  const configured = session.config.images === undefined ? undefined : grepRepositories(session, session.images);
  configured?.catch(() => undefined);
  const [withReferences] = await Promise.all([
    readManifests(session.manifestRoot, [...session.scopes], warnings, session.scans),
    leftovers,
  ]);
  session.scans?.save();
  const inferred = session.config.images === undefined;
  let images = session.images;
  if (inferred) {
    const image = inferImage(withReferences.flatMap((entry) => entry.references));
    images = image === undefined ? [] : [image];
  }
  const manifests: ManifestEntry[] = withReferences.map((entry) => {
    const candidates = inferred ? images : images.filter((image) => entry.scope.images.includes(image.name));
    return {
      file: entry.file,
      parsed: entry.parsed,
      target: entry.target,
      readOnly: entry.readOnly,
      references: entry.references.map((reference) => ({ reference, image: imageFor(reference, candidates) })),
    };
  });
  for (const entry of manifests) {
    for (const { reference, image } of entry.references) {
      const marker = reference.occurrence.markerImage;
      if (marker !== undefined && image === undefined) {
        const { file } = entry;
        const { position } = reference.occurrence;
        warnings.push({ file, line: position.line, message: messages.unknownMarkerImage(file, position, marker) });
      }
    }
  }
  const hits = await (configured ?? grepRepositories(session, images));
  warnings.push(...mentionWarnings(hits, images, manifests, session.configFile));
  if (session.config.images !== undefined) warnings.push(...(await configurationMisses(session, manifests)));
  return { images, manifests, warnings };
}

/**
 * What a configuration names that the tree does not hold: a `manifests` glob matching no tracked
 * file, an image no reference belongs to (a typo in `repository`, or tags not written yet).
 */
async function configurationMisses(session: Session, manifests: readonly ManifestEntry[]): Promise<Warning[]> {
  const file = session.configFile ?? null;
  const where = session.configFile ?? 'the configuration';
  const files = session.entries.map((entry) => entry.path);
  const globs = await unmatchedGlobs(
    files,
    session.images.map((image) => image.config),
  );
  const used = new Set(manifests.flatMap((entry) => entry.references.map((found) => found.image?.name)));
  return [
    ...globs.map(({ image, glob }) => messages.globMatchesNothing(where, image, glob)),
    ...session.images
      .filter((image) => !used.has(image.name))
      .map((image) => messages.imageMatchesNothing(where, image.name, image.repository)),
  ].map((message) => ({ file, line: null, message }));
}

/** Images that at least one reference belongs to: only those need a tag. */
export function referencedImages(scan: Scan): ResolvedImage[] {
  const names = new Set(
    scan.manifests.flatMap((entry) => entry.references.flatMap((found) => (found.image ? [found.image.name] : []))),
  );
  return scan.images.filter((image) => names.has(image.name));
}
