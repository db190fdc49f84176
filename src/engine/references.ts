import path from 'node:path';
import { messages } from '../messages.js';
import type { Warning } from '../types.js';
import type { ManifestFile } from '../manifest/read.js';
import type { GrepHit } from '../git/grep.js';
import { defaultImage, imageFor, inferImage, type ResolvedImage } from './images.js';
import { readJudgement } from '../state/judgements.js';
import { abandonedWrites } from '../state/writeJournal.js';
import { grepRepositories, mentionWarnings } from './mentions.js';
import type { ManifestEntry, Scan } from './manifestEntry.js';
import type { Session } from './session.js';
import { awaitedLater } from '../promises.js';
import { checkImages } from './configMisses.js';

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
 * writes, also with --staged) are removed, so that `git add -A` never commits one: in the
 * directories its journal names (state/writeJournal.ts), and beside every manifest read again
 * (what a nixtag without a journal may have left; after an upgrade every manifest is).
 */
async function removeLeftovers(
  session: Session,
  read: ReadonlyArray<{ file: string; parsed: unknown }>,
  remove: (directories: Iterable<string>, keep: (file: string) => boolean) => Promise<string[]>,
): Promise<void> {
  const root = session.repository.root;
  const abandoned = abandonedWrites(session.repository.gitDir);
  const reread = read.filter((entry) => entry.parsed !== undefined);
  const directories = [...abandoned.directories, ...reread.map((entry) => path.join(root, path.dirname(entry.file)))];
  if (directories.length === 0) return;
  const tracked = new Set(session.entries.map((entry) => entry.path));
  await remove(directories, (file) => tracked.has(path.relative(root, file).split(path.sep).join('/')));
  abandoned.forget();
}

/**
 * Reads the manifests in scope and ties every reference to its image; without configuration,
 * infers the image from the hash-tagged references.
 */
export async function findReferences(session: Session): Promise<Scan> {
  const { readManifests, removeAbandonedTemporaries } = await manifestModules();
  const warnings: Warning[] = [];
  // Configured repositories are known now: git looks for their mentions while the YAML is read.
  const configured =
    session.config.images === undefined ? undefined : awaitedLater(grepRepositories(session, session.images));
  const inferred = session.config.images === undefined;
  // Without configuration the repository is known from the references: guessed from the
  // remembered ones, so that git looks for its mentions while changed manifests are parsed.
  let early: { canonical: string; hits: Promise<GrepHit[]> } | undefined;
  const search = (image: ResolvedImage) => {
    early = { canonical: image.canonical, hits: awaitedLater(grepRepositories(session, [image])) };
  };
  // The repository of the last judgement first, then of the remembered references if they differ.
  const last = inferred ? readJudgement(session.repository.gitDir)?.inferred : undefined;
  if (last !== undefined) search({ ...defaultImage(), canonical: last });
  const guess = (recalled: readonly ManifestFile[]) => {
    let image: ResolvedImage | undefined;
    try {
      image = inferImage(recalled.flatMap((entry) => entry.references));
    } catch {
      return; // ambiguous so far: the full set decides, and says so
    }
    if (image !== undefined && image.canonical !== early?.canonical) search(image);
  };
  const withReferences = await readManifests(
    session.manifestRoot,
    [...session.scopes],
    warnings,
    session.scans,
    inferred ? guess : undefined,
  );
  session.scans?.save();
  await removeLeftovers(session, withReferences, removeAbandonedTemporaries);
  let images = session.images;
  if (inferred) {
    const image = inferImage(withReferences.flatMap((entry) => entry.references));
    images = image === undefined ? [] : [image];
  }
  const manifests: ManifestEntry[] = withReferences.map((entry) => {
    const candidates = inferred ? images : images.filter((image) => entry.scope.images.has(image.name));
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
  const guessed = early !== undefined && images.length === 1 && images[0]!.canonical === early.canonical;
  const hits = await (configured ?? (guessed ? early!.hits : grepRepositories(session, images)));
  warnings.push(...mentionWarnings(hits, images, manifests, session.configFiles));
  if (session.config.images !== undefined) warnings.push(...(await checkImages(session, manifests, warnings)));
  return { images, manifests, warnings };
}

/** Images that at least one reference belongs to: only those need a tag. */
export function referencedImages(scan: Scan): ResolvedImage[] {
  const names = new Set(
    scan.manifests.flatMap((entry) => entry.references.flatMap((found) => (found.image ? [found.image.name] : []))),
  );
  return scan.images.filter((image) => names.has(image.name));
}
