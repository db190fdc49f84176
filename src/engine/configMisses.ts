/**
 * A configuration fails closed: an image's `nix` file, its `manifests` globs and its `repository`
 * must each find something in the judged tree, or the run stops (exit 2) naming what in the
 * repository comes closest. A typo must never turn checking off. An image marked `optional: true`
 * may have no reference (and no matching manifest) yet: for it these are warnings.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError, type Location } from '../errors.js';
import { parseImageReference } from '../manifest/reference.js';
import { messages } from '../messages.js';
import { distance, nearest } from '../suggest.js';
import type { Warning } from '../types.js';
import type { ResolvedImage } from './images.js';
import type { ManifestEntry } from './manifestEntry.js';
import { isDefaultManifest } from './manifestSet.js';
import { grepRepositories, mentionWarnings } from './mentions.js';
import type { Session } from './session.js';

/** One thing the configuration names that the tree does not hold, and where the configuration says it. */
interface Miss {
  keyPath: Array<string | number>;
  message: string;
}

/** Where the configuration names each miss: its file as this run read it (the judged tree's). */
async function locate(session: Session, misses: readonly Miss[]): Promise<Array<Location | undefined>> {
  const file = session.configFile;
  if (file === undefined) return misses.map(() => undefined);
  const base = session.tree.source.kind === 'worktree' ? session.repository.root : await session.checkout;
  const read = (directory: string) => readFile(path.resolve(directory, file), 'utf8');
  const text = await read(base).catch(() => read(session.repository.root).catch(() => undefined));
  const { configLocator } = await import('../config/locate.js');
  const prefix = path.basename(file) === 'package.json' ? ['nixtag'] : [];
  const locator = await configLocator(file, text, prefix);
  return misses.map((miss) => locator(miss.keyPath, 'value'));
}

/** The error for misses of images that are not optional: each on its line, located. */
async function missesError(
  session: Session,
  code: 'PATH_NOT_FOUND' | 'CONFIG_UNMATCHED',
  misses: readonly Miss[],
  notes: readonly string[] = [],
): Promise<NixtagError> {
  const locations = await locate(session, misses);
  const where = (location: Location | undefined) =>
    location?.line === undefined ? '' : `${location.file}:${location.line}:${location.column ?? 1}: `;
  const single = misses.length === 1;
  return new NixtagError(
    code,
    single ? misses[0]!.message : messages.configMisses(session.configFile ?? 'the configuration', misses.length),
    {
      location: locations[0] ?? (session.configFile === undefined ? undefined : { file: session.configFile }),
      ...(single && notes.length === 0
        ? {}
        : {
            detail: [
              ...(single ? [] : misses.map((miss, index) => `  ${where(locations[index])}${miss.message}`)),
              ...notes.map((note) => `  ${note}`),
            ].join('\n'),
          }),
      hint: messages.configMissesHint(),
    },
  );
}

const indexOf = (session: Session, image: ResolvedImage) => session.images.indexOf(image);

/**
 * Every image's `nix` file (or directory) is in the judged tree; a missing one is an error naming
 * the tracked Nix files closest to it.
 */
export async function checkExpressions(session: Session): Promise<void> {
  const present = (file: string) => {
    const normal = path.posix.normalize(file).replace(/\/$/, '');
    if (session.index.at(normal) !== undefined) return true;
    const [from, to] = session.index.rangeUnder(normal);
    return to > from;
  };
  const nixFiles = session.entries.filter((entry) => entry.path.endsWith('.nix')).map((entry) => entry.path);
  const misses = session.images
    .filter((image) => !present(image.config.nix))
    .map((image) => ({
      keyPath: ['images', indexOf(session, image), 'nix'],
      message: messages.nixMisses(image.name, image.config.nix, nearest(image.config.nix, nixFiles)),
    }));
  if (misses.length > 0) throw await missesError(session, 'PATH_NOT_FOUND', misses);
}

/** The places that name an image's repository outside its managed references and the configuration's own files. */
async function namedAt(
  session: Session,
  image: ResolvedImage,
  manifests: readonly ManifestEntry[],
): Promise<Array<{ file: string; line: number }>> {
  const hits = await grepRepositories(session, [image]);
  return mentionWarnings(hits, [image], manifests, session.configFiles).map((warning) => ({
    file: warning.file!,
    line: warning.line!,
  }));
}

/** A glob's part before its first special character: the literal directory and name it starts with. */
function literalPrefix(glob: string): string {
  const special = glob.search(/[*?[\]{}()!+@]/);
  return special === -1 ? glob : glob.slice(0, special);
}

/**
 * Globs close to one that matches nothing: the same pattern under the directories of the tracked
 * files that name the image's repository, then the tracked YAML paths (for a glob without special
 * characters) or directories closest to its literal part.
 */
async function nearGlobs(session: Session, image: ResolvedImage, glob: string): Promise<string[]> {
  const { default: picomatch } = await import('picomatch');
  const literal = literalPrefix(glob);
  const base = literal.includes('/') ? literal.slice(0, literal.lastIndexOf('/')) : '';
  const rest = glob.slice(base === '' ? 0 : base.length + 1);
  const tracked = { has: (file: string) => session.index.at(file) !== undefined };
  const yaml = session.entries
    .map((entry) => entry.path)
    .filter((file) => isDefaultManifest(file, tracked) && !session.configFiles.includes(file));
  const naming = [...new Set((await namedAt(session, image, [])).map((place) => place.file))];
  const moved = naming.map((file) => {
    const directory = path.posix.dirname(file);
    const candidate = directory === '.' ? rest : `${directory}/${rest}`;
    return picomatch(candidate, { dot: true })(file) ? candidate : file;
  });
  const directories = [...new Set(yaml.map((file) => path.posix.dirname(file)))];
  const close = literal === glob ? nearest(glob, yaml) : nearest(base, directories).map((dir) => `${dir}/${rest}`);
  return [...new Set([...moved, ...close])].slice(0, 3);
}

/**
 * The configured globs that match no tracked file: an error for an image that is not optional,
 * naming the globs closest to it; warnings for the optional ones.
 */
export async function checkGlobs(session: Session): Promise<Warning[]> {
  const where = session.configFile ?? 'the configuration';
  const byName = new Map(session.images.map((image) => [image.name, image]));
  const warnings: Warning[] = [];
  const misses: Miss[] = [];
  for (const { image: name, glob } of session.unmatchedGlobs) {
    const image = byName.get(name)!;
    if (image.config.optional) {
      warnings.push({
        file: session.configFile ?? null,
        line: null,
        message: messages.globMatchesNothing(where, name, glob),
      });
      continue;
    }
    misses.push({
      keyPath: ['images', indexOf(session, image), 'manifests', (image.config.manifests ?? []).indexOf(glob)],
      message: messages.globMisses(name, glob, await nearGlobs(session, image, glob)),
    });
  }
  if (misses.length > 0) throw await missesError(session, 'CONFIG_UNMATCHED', misses);
  return warnings;
}

/** A reference's repository as written (without tag or digest). */
function writtenRepository(current: string): string | undefined {
  const parsed = parseImageReference(current);
  if (parsed === undefined) return undefined;
  return parsed.host === undefined ? parsed.path : `${parsed.host}/${parsed.path}`;
}

/**
 * The repositories nearest to a configured one that matches nothing, when they are a typo away
 * (a few edits for a whole registry name): only those at the least distance, so that a sibling
 * repository is not offered beside the one meant.
 */
function closestRepositories(canonical: string, seen: readonly string[]): string[] {
  const allowed = Math.max(2, Math.floor(canonical.length / 8));
  const scored = seen.map((candidate) => ({ candidate, score: distance(canonical, candidate) }));
  const best = Math.min(...scored.map(({ score }) => score));
  return best > allowed ? [] : scored.filter(({ score }) => score === best).map(({ candidate }) => candidate);
}

/**
 * The configured images no reference belongs to: an error for an image that is not optional,
 * naming the repositories of the references read that come closest (or, with none close, those
 * read), and the places outside the manifests it reads that name it; warnings for the optional ones.
 */
export async function checkImages(
  session: Session,
  manifests: readonly ManifestEntry[],
  scanWarnings: readonly Warning[],
): Promise<Warning[]> {
  const where = session.configFile ?? 'the configuration';
  const used = new Set(manifests.flatMap((entry) => entry.references.map((found) => found.image?.name)));
  // By registry-normalised repository: as written, and where first.
  const seen = new Map<string, { repository: string; at: string }>();
  for (const entry of manifests) {
    for (const { reference } of entry.references) {
      const repository = writtenRepository(reference.current);
      const { line, column } = reference.occurrence.position;
      if (repository === undefined || reference.canonical === undefined || seen.has(reference.canonical)) continue;
      seen.set(reference.canonical, { repository, at: `${entry.file}:${line}:${column}` });
    }
  }
  const warnings: Warning[] = [];
  const misses: Miss[] = [];
  // Why the files that name a missing image were not read (skipped: not YAML, an alias bomb…).
  const namedIn = new Set<string>();
  for (const image of session.images.filter((candidate) => !used.has(candidate.name))) {
    if (image.config.optional) {
      warnings.push({
        file: session.configFile ?? null,
        line: null,
        message: messages.imageMatchesNothing(where, image.name, image.repository),
      });
      continue;
    }
    const close = closestRepositories(image.canonical, [...seen.keys()]).map((canonical) => seen.get(canonical)!);
    const places = await namedAt(session, image, manifests);
    for (const place of places) namedIn.add(place.file);
    const named = places.map((place) => `${place.file}:${place.line}`);
    misses.push({
      keyPath: ['images', indexOf(session, image), 'repository'],
      message: messages.imageMisses(image.name, image.repository, {
        close,
        seen: close.length > 0 ? [] : [...seen.values()],
        named,
      }),
    });
  }
  if (misses.length > 0) {
    const notes = scanWarnings
      .filter((warning) => !warning.mention && warning.file !== null && namedIn.has(warning.file))
      .map((warning) => warning.message);
    throw await missesError(session, 'CONFIG_UNMATCHED', misses, notes);
  }
  return warnings;
}
