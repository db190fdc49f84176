import { lstat, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { NixtagError } from '../errors.js';
import { openRepository, stateDirectory, type Repository } from '../git/repository.js';
import { materializeTree, trackedFiles, worktreeTree } from '../git/tree.js';
import type { ReadReference } from '../manifest/resolve.js';
import type { ScannedManifest } from '../manifest/scan.js';
import { parseAttrPath } from '../nix/attrPath.js';
import { evaluateImages, type ImageEvaluation, type ImageRequest } from '../nix/evaluate.js';
import type { NixArg } from '../nix/expression.js';
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

export interface Session {
  repository: Repository;
  /** The tree CI will see, checked out under CI's checkout name; started early, awaited by Nix. */
  checkout: Promise<string>;
  config: Config;
  configFile: string | undefined;
  /** Configured images; empty without configuration until references are scanned. */
  images: ResolvedImage[];
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
  /** Why the target must not be written (a symlink out of the repository), if so. */
  readOnly?: string | undefined;
  references: FoundReference[];
}

export interface Scan {
  /** The PATH arguments could change nothing: nothing was read. */
  skipped: boolean;
  /** Configured images, or the one inferred from the references. */
  images: ResolvedImage[];
  manifests: ManifestEntry[];
  warnings: string[];
}

/** Repository and configuration: what every command needs first. Nothing here reads manifests. */
export async function openSession(options: EngineOptions): Promise<Session> {
  const repository = await openRepository(options.cwd);
  // git checks the tree out while the configuration loads: neither needs the other. The checkout
  // name is speculated to be the default and redone in the rare case the configuration differs.
  const tree = worktreeTree(repository);
  const speculative = tree.then((id) => materializeTree(repository, id, 'worktree', DEFAULT_CHECKOUT_NAME));
  speculative.catch(() => undefined); // awaited by the evaluation, if there is one
  const { loadConfig } = await import('../config/load.js');
  const { config, file } = await loadConfig(repository.root, options.configFile);
  const checkout =
    config.checkoutName === DEFAULT_CHECKOUT_NAME
      ? speculative
      : tree.then((id) => materializeTree(repository, id, 'worktree', config.checkoutName));
  checkout.catch(() => undefined);
  return { repository, checkout, config, configFile: file, images: configuredImages(config) };
}

/** The image nixtag manages without configuration: the root default.nix, whatever it is named later. */
export function defaultImage(name = 'default', repository = ''): ResolvedImage {
  const config = { name, nix: 'default.nix', attr: null, args: {}, repository, tagFrom: 'outPath' } as const;
  return { name, repository, canonical: '', inferred: true, config };
}

const READ_BATCH = 64;

/** Tekton's git resource checks out into /workspace/source. */
const DEFAULT_CHECKOUT_NAME = 'source';

/** The YAML side loads while Nix already runs: it is not on the path to the first Nix call. */
const manifestModules = () =>
  Promise.all([import('../manifest/decode.js'), import('../manifest/scan.js'), import('../manifest/resolve.js')]).then(
    ([decode, scan, resolve]) => ({ ...decode, ...scan, ...resolve }),
  );
type ManifestModules = Awaited<ReturnType<typeof manifestModules>>;

async function readManifest(
  modules: ManifestModules,
  root: string,
  file: string,
  explicit: boolean,
  warnings: string[],
) {
  const { decodeManifest, scanManifest } = modules;
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
  // A symlinked manifest is read through: the file it names is the one rewritten, in place.
  const link = await lstat(absolute);
  const target = await realpath(absolute); // also when a parent directory is a symlink
  const inside = !path.relative(await realpath(root), target).startsWith('..');
  return {
    manifest: outcome.scanned,
    target,
    symlink: link.isSymbolicLink(),
    readOnly: inside ? undefined : messages.symlinkOutside(file, target),
  };
}

/**
 * Reads the manifests in scope and ties every reference to its image; without configuration,
 * infers the image from the hash-tagged references. Returns early when PATH arguments are given
 * and none of them can matter.
 */
export async function scanManifests(session: Session, options: EngineOptions): Promise<Scan> {
  const { repository, config } = session;
  const files = await trackedFiles(repository);
  const scopes = selectManifests(
    files,
    session.images.map((image) => ({ name: image.name, manifests: image.config.manifests })),
  );
  if (options.paths !== undefined && options.paths.length > 0) {
    const matters = pathsMatter({
      root: repository.root,
      cwd: options.cwd,
      paths: options.paths,
      relevantFiles: new Set([session.configFile ?? '', config.pin, 'package.json']),
      imageDirectories:
        session.images.length === 0
          ? ['']
          : session.images.map((image) => path.posix.dirname(image.config.nix).replace(/^\.$/, '')),
      isManifest: (file) => scopes.has(file),
    });
    if (!matters) return { skipped: true, images: session.images, manifests: [], warnings: [] };
  }

  const modules = await manifestModules();
  const warnings: string[] = [];
  const read: Array<{
    manifest: ScannedManifest;
    target: string;
    symlink: boolean;
    readOnly: string | undefined;
    images: string[];
  }> = [];
  const selected = [...scopes];
  for (let start = 0; start < selected.length; start += READ_BATCH) {
    const batch = await Promise.all(
      selected.slice(start, start + READ_BATCH).map(async ([file, scope]) => {
        const result = await readManifest(modules, repository.root, file, scope.explicit, warnings);
        return result && { ...result, images: scope.images };
      }),
    );
    for (const entry of batch) if (entry) read.push(entry);
  }
  // A file and a symlink to it are one manifest: read through the file itself, once.
  const regularTargets = new Set(read.filter((entry) => !entry.symlink).map((entry) => entry.target));
  const seen = new Set<string>();
  const unique = read.filter((entry) => {
    if (entry.symlink && (regularTargets.has(entry.target) || seen.has(entry.target))) return false;
    seen.add(entry.target);
    return true;
  });

  const withReferences = unique.map((entry) => ({
    ...entry,
    references: entry.manifest.occurrences.map(modules.readReference).filter((reference) => reference !== undefined),
  }));
  let images = session.images;
  const inferred = config.images === undefined;
  if (inferred) {
    const image = inferImage(withReferences.flatMap((entry) => entry.references));
    images = image === undefined ? [] : [image];
  }
  const manifests: ManifestEntry[] = withReferences.map((entry) => {
    const candidates = inferred ? images : images.filter((image) => entry.images.includes(image.name));
    return {
      manifest: entry.manifest,
      target: entry.target,
      readOnly: entry.readOnly,
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
  return { skipped: false, images, manifests, warnings };
}

/** Images that at least one reference belongs to: only those need a tag. */
export function referencedImages(scan: Scan): ResolvedImage[] {
  const names = new Set(
    scan.manifests.flatMap((entry) => entry.references.flatMap((found) => (found.image ? [found.image.name] : []))),
  );
  return scan.images.filter((image) => names.has(image.name));
}

/** Images with the same expression, attribute, arguments and tag source have the same tag. */
export function evaluationKey(image: ResolvedImage): string {
  const { nix, attr, args, tagFrom } = image.config;
  return JSON.stringify([nix, attr, args, tagFrom]);
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

export interface Evaluation {
  /** Tags by evaluationKey. */
  result: Promise<Map<string, ImageEvaluation>>;
  /** Settles once Nix runs (or the evaluation ended without it): other work may start then. */
  started: Promise<void>;
  /** Stops a speculative evaluation nobody needs any more; harmless once it is done. */
  cancel(): void;
}

async function evaluateInTree(
  session: Session,
  images: readonly ResolvedImage[],
  signal: AbortSignal,
  onStart: () => void,
): Promise<Map<string, ImageEvaluation>> {
  if (images.length === 0) return new Map();
  const { repository, config } = session;
  const root = await session.checkout;
  const requests: ImageRequest[] = images.map((image) => ({
    name: image.name,
    file: path.join(root, image.config.nix),
    displayFile: image.config.nix,
    attrPath: image.config.attr === null ? [] : parseAttrPath(image.config.attr),
    args: nixArgs(image.config.args),
    tagFrom: image.config.tagFrom,
  }));
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
  const { pinnedNixpkgs, readPin } = await import('../nix/pin.js');
  const pin = await readPin(path.join(root, config.pin), config.pin);
  const nixpkgs =
    pin === undefined
      ? undefined
      : await pinnedNixpkgs(pin, config.pin, path.join(stateDirectory(repository), 'cache'), root);
  const evaluating = evaluateImages(
    requests,
    { system: config.system, allowImportFromDerivation: config.allowImportFromDerivation, nixpkgs },
    signal,
  );
  onStart();
  const evaluations = await evaluating;
  return new Map(images.map((image, index) => [evaluationKey(image), evaluations[index]!]));
}

/**
 * Starts evaluating images in the tree CI will see (tracked files, checked out in a directory
 * named like CI's checkout, `<nixpkgs>` mapped to the pin) and returns at once, so that reading
 * manifests overlaps with Nix.
 */
export function startEvaluation(session: Session, images: readonly ResolvedImage[]): Evaluation {
  const controller = new AbortController();
  const { promise: started, resolve } = Promise.withResolvers<void>();
  const result = evaluateInTree(session, images, controller.signal, resolve);
  result.then(
    () => resolve(),
    () => resolve(),
  ); // awaited later, or deliberately abandoned
  return { result, started, cancel: () => controller.abort() };
}
