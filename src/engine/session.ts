import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { NixtagError } from '../errors.js';
import { openRepository, stateDirectory, type Repository } from '../git/repository.js';
import { materializeTree, trackedFiles, worktreeTree } from '../git/tree.js';
import { decodeManifest } from '../manifest/decode.js';
import { readReference, type ReadReference } from '../manifest/resolve.js';
import { scanManifest, type ScannedManifest } from '../manifest/scan.js';
import { parseAttrPath } from '../nix/attrPath.js';
import { evaluateImages, type ImageEvaluation, type ImageRequest } from '../nix/evaluate.js';
import type { NixArg } from '../nix/expression.js';
import { pinnedNixpkgs, readPin } from '../nix/pin.js';
import { messages } from '../report/messages.js';
import { configuredImages, imageFor, inferImage, type ResolvedImage } from './images.js';
import { selectManifests } from './manifestSet.js';
import { pathsMatter } from './narrow.js';

export interface EngineOptions {
  /** Where the command was started. */
  cwd: string;
  /** PATH arguments, as lint-staged passes them. */
  paths?: string[] | undefined;
  configFile?: string | undefined;
}

export interface FoundReference {
  reference: ReadReference;
  /** The image it belongs to; undefined for a reference nixtag saw but does not manage. */
  image: ResolvedImage | undefined;
}

export interface ManifestEntry {
  manifest: ScannedManifest;
  /** The file to write: the manifest itself, or the file its symlink names. */
  target: string;
  references: FoundReference[];
}

export interface Session {
  repository: Repository;
  config: Config;
  images: ResolvedImage[];
  manifests: ManifestEntry[];
  warnings: string[];
  /** The PATH arguments could change nothing: nothing was scanned. */
  skipped: boolean;
}

const READ_BATCH = 64;

async function readManifest(root: string, file: string, explicit: boolean, warnings: string[]) {
  const absolute = path.join(root, file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const link = await lstat(absolute).catch(() => undefined);
    if (code === 'ENOENT' && link?.isSymbolicLink()) {
      if (explicit)
        throw new NixtagError('MANIFEST_UNREADABLE', messages.danglingSymlink(file), { location: { file } });
      warnings.push(messages.danglingSymlink(file));
      return undefined;
    }
    if (code === 'ENOENT') return undefined; // tracked but deleted in the work tree
    throw new NixtagError('MANIFEST_UNREADABLE', messages.manifestUnreadable(file, (error as Error).message), {
      location: { file },
      cause: error,
    });
  }
  const decoded = decodeManifest(bytes);
  if ('undecodable' in decoded) {
    warnings.push(messages.skippedUndecodable(file, decoded.undecodable));
    return undefined;
  }
  const outcome = scanManifest(file, decoded.text, explicit);
  if ('skipped' in outcome) {
    warnings.push(outcome.skipped);
    return undefined;
  }
  const link = await lstat(absolute);
  // A symlinked manifest is followed once: the file it names is the one rewritten.
  const target = link.isSymbolicLink() ? path.resolve(path.dirname(absolute), await readlink(absolute)) : absolute;
  return { manifest: outcome.scanned, target };
}

/**
 * One pass over the work tree: configuration, the manifests in scope, and every reference in them
 * tied to its image. Nothing here calls Nix.
 */
export async function openSession(options: EngineOptions): Promise<Session> {
  const repository = await openRepository(options.cwd);
  const { config, file: configFile } = await loadConfig(repository.root, options.configFile);
  const warnings: string[] = [];
  const files = await trackedFiles(repository);
  let images = configuredImages(config);
  const scopes = selectManifests(
    files,
    images.map((image) => ({ name: image.name, manifests: image.config.manifests })),
  );
  if (options.paths !== undefined && options.paths.length > 0) {
    const matters = pathsMatter({
      root: repository.root,
      cwd: options.cwd,
      paths: options.paths,
      relevantFiles: new Set([configFile ?? '', config.pin, 'package.json']),
      imageDirectories:
        images.length === 0 ? [''] : images.map((image) => path.posix.dirname(image.config.nix).replace(/^\.$/, '')),
      isManifest: (file) => scopes.has(file),
    });
    if (!matters) return { repository, config, images, manifests: [], warnings, skipped: true };
  }

  const entries: Array<{ manifest: ScannedManifest; target: string; images: string[] }> = [];
  const selected = [...scopes];
  for (let start = 0; start < selected.length; start += READ_BATCH) {
    const batch = selected.slice(start, start + READ_BATCH);
    const read = await Promise.all(
      batch.map(async ([file, scope]) => {
        const result = await readManifest(repository.root, file, scope.explicit, warnings);
        return result && { ...result, images: scope.images };
      }),
    );
    for (const entry of read) if (entry) entries.push(entry);
  }

  const readEntries = entries.map((entry) => ({
    ...entry,
    references: entry.manifest.occurrences.map(readReference).filter((reference) => reference !== undefined),
  }));
  const inferred = images.length === 0 && config.images === undefined;
  if (inferred) {
    const image = inferImage(readEntries.flatMap((entry) => entry.references));
    images = image === undefined ? [] : [image];
  }
  const manifests: ManifestEntry[] = readEntries.map((entry) => {
    const candidates = inferred ? images : images.filter((image) => entry.images.includes(image.name));
    return {
      manifest: entry.manifest,
      target: entry.target,
      references: entry.references.map((reference) => ({ reference, image: imageFor(reference, candidates) })),
    };
  });
  for (const entry of manifests) {
    for (const { reference, image } of entry.references) {
      const marker = reference.occurrence.markerImage;
      if (marker !== undefined && image === undefined) {
        warnings.push(messages.unknownMarkerImage(entry.manifest.file, reference.occurrence.position, marker));
      }
    }
  }
  return { repository, config, images, manifests, warnings, skipped: false };
}

function nixArgs(args: ResolvedImage['config']['args']): Record<string, NixArg> {
  return Object.fromEntries(
    Object.entries(args).map(([name, value]) => [
      name,
      typeof value === 'string'
        ? { string: value }
        : typeof value === 'object'
          ? { expr: value.expr }
          : { expr: String(value) },
    ]),
  );
}

/**
 * Evaluates images in the tree CI will see: the tracked files, checked out in a directory named
 * like CI's checkout, with `<nixpkgs>` mapped to the pin.
 */
export async function evaluateSessionImages(
  session: Session,
  images: readonly ResolvedImage[],
): Promise<Map<string, ImageEvaluation>> {
  if (images.length === 0) return new Map();
  const { repository, config } = session;
  const tree = await worktreeTree(repository);
  const root = await materializeTree(repository, tree, 'worktree', config.checkoutName);
  const requests: ImageRequest[] = images.map((image) => {
    const displayFile = image.config.nix;
    const file = path.join(root, displayFile);
    return {
      name: image.name,
      file,
      displayFile,
      attrPath: image.config.attr === null ? [] : parseAttrPath(image.config.attr),
      args: nixArgs(image.config.args),
      tagFrom: image.config.tagFrom,
    };
  });
  for (const request of requests) {
    const exists = await lstat(request.file).then(
      () => true,
      () => false,
    );
    if (!exists) {
      throw new NixtagError('PATH_NOT_FOUND', messages.nixFileMissing(request.name, request.displayFile), {
        location: { file: request.displayFile },
        hint: messages.nixFileMissingHint(),
      });
    }
  }
  const pin = await readPin(path.join(root, config.pin), config.pin);
  const nixpkgs =
    pin === undefined
      ? undefined
      : await pinnedNixpkgs(pin, config.pin, path.join(stateDirectory(repository), 'cache'), root);
  const evaluations = await evaluateImages(requests, {
    system: config.system,
    allowImportFromDerivation: config.allowImportFromDerivation,
    nixpkgs,
  });
  return new Map(evaluations.map((evaluation) => [evaluation.name, evaluation]));
}
