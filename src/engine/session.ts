import { lstat, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { NixtagError } from '../errors.js';
import { openRepository, stateDirectory, type Repository } from '../git/repository.js';
import { changesSinceFor, listTree, resolveTree, slotOf, type TreeEntry, type TreeSource } from '../git/source.js';
import { materializeTree, settleCheckouts } from '../git/tree.js';
import type { ReadReference } from '../manifest/resolve.js';
import type { ScannedManifest } from '../manifest/scan.js';
import { parseAttrPath } from '../nix/attrPath.js';
import { evaluateImages, type ImageEvaluation, type ImageRequest } from '../nix/evaluate.js';
import type { NixArg } from '../nix/expression.js';
import { nixFingerprint } from '../nix/fingerprint.js';
import { messages } from '../messages.js';
import { nixtagVersion } from '../version.js';
import { EvaluationCache, type CacheContext } from '../state/evaluations.js';
import { configuredImages, imageFor, inferImage, type ResolvedImage } from './images.js';
import { selectManifests, type ManifestScope } from './manifestSet.js';
import { pathsMatter } from './narrow.js';

export interface EngineOptions {
  /** Where the command was started. */
  cwd: string;
  /** PATH arguments, as lint-staged passes them. */
  paths?: string[] | undefined;
  configFile?: string | undefined;
  /** The tree to judge; the working tree's tracked files by default. */
  source?: TreeSource | undefined;
  /** Use and fill the evaluation cache (default true). */
  cache?: boolean | undefined;
  /** The repository around `cwd`, when the caller has already found it. */
  repository?: Repository | undefined;
  /** The source's tree id, when the caller has just resolved it (a hook's verdict). */
  tree?: string | undefined;
}

export interface Session {
  repository: Repository;
  source: TreeSource;
  /** The judged tree's id. */
  tree: string;
  /** Its files, with modes and blob ids. */
  entries: TreeEntry[];
  /** The tree checked out under CI's checkout name; awaited by Nix. */
  checkout: Promise<string>;
  /** Where manifests are read (and, for the working tree, written). */
  manifestRoot: string;
  config: Config;
  configFile: string | undefined;
  /** Configured images; empty without configuration until references are scanned. */
  images: ResolvedImage[];
  scopes: Map<string, ManifestScope>;
  cache: { store: EvaluationCache; context: CacheContext } | undefined;
  /** Ends the run's hold on the repository's nixtag state. */
  release(): Promise<void>;
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

/** Tekton's git resource checks out into /workspace/source. */
const DEFAULT_CHECKOUT_NAME = 'source';

/**
 * Repository, tree and configuration: what every command needs first. The tree is checked out
 * (under the default checkout name, redone if the configuration names another) while the
 * configuration loads. For the index or a commit the configuration is the one in that tree, as CI
 * reads it. Holds the repository lock until `release`.
 */
export async function openSession(options: EngineOptions): Promise<Session> {
  // Modules load while git answers: their evaluation and the git processes overlap.
  const configModule = import('../config/load.js');
  const lockModule = import('../state/lock.js');
  const repository = options.repository ?? (await openRepository(options.cwd));
  const source = options.source ?? { kind: 'worktree' };
  const explicit = options.configFile === undefined ? undefined : path.resolve(options.cwd, options.configFile);
  // The working tree's configuration is in the working tree: it loads beside the lock and the tree.
  const worktreeConfig =
    source.kind === 'worktree' || explicit !== undefined
      ? configModule.then(({ loadConfig }) => loadConfig(repository.root, explicit))
      : undefined;
  worktreeConfig?.catch(() => undefined);
  // Resolving the tree writes nothing nixtag shares (a per-process index, git objects): it
  // needs no lock and runs beside the wait for it.
  let resolving: Promise<string> | undefined;
  const resolveOnce = () =>
    (resolving ??= options.tree ? Promise.resolve(options.tree) : resolveTree(repository, source));
  if (source.kind !== 'index') resolveOnce().catch(() => undefined);
  const release = await (await lockModule).lockRepository(repository);
  try {
    const slot = slotOf(source);
    const speculative = materializeTree(
      repository,
      resolveOnce,
      slot,
      DEFAULT_CHECKOUT_NAME,
      changesSinceFor(repository, source),
    );
    speculative.catch(() => undefined); // awaited below or by the evaluation
    const tree = await resolveOnce();
    const entries = listTree(repository, tree);
    entries.catch(() => undefined);
    const { config, file } =
      worktreeConfig !== undefined
        ? await worktreeConfig
        : await (await configModule).loadConfig(await speculative, undefined);
    const checkout =
      config.checkoutName === DEFAULT_CHECKOUT_NAME
        ? speculative
        : materializeTree(repository, tree, slot, config.checkoutName);
    checkout.catch(() => undefined);
    const images = configuredImages(config);
    const files = await entries;
    const scopes = await selectManifests(
      files.map((entry) => entry.path),
      images.map((image) => ({ name: image.name, manifests: image.config.manifests })),
    );
    const fingerprint = nixFingerprint();
    const cache =
      fingerprint === undefined || options.cache === false
        ? undefined
        : {
            store: new EvaluationCache(path.join(stateDirectory(repository), 'cache')),
            context: {
              environment: JSON.stringify([nixtagVersion(), fingerprint, config]),
              entries: files,
              manifests: new Set(scopes.keys()),
            },
          };
    return {
      repository,
      source,
      tree,
      entries: files,
      checkout,
      manifestRoot: source.kind === 'worktree' ? repository.root : await checkout,
      config,
      configFile: file,
      images,
      scopes,
      cache,
      release: async () => {
        await settleCheckouts();
        await release();
      },
    };
  } catch (error) {
    await settleCheckouts();
    await release();
    throw error;
  }
}

/** Runs `work` on an open session and always lets go of the repository afterwards. */
export async function withSession<T>(options: EngineOptions, work: (session: Session) => Promise<T>): Promise<T> {
  const session = await openSession(options);
  try {
    return await work(session);
  } finally {
    await session.release();
  }
}

/** The image nixtag manages without configuration: the root default.nix, whatever it is named later. */
export function defaultImage(name = 'default', repository = ''): ResolvedImage {
  const config = { name, nix: 'default.nix', attr: null, args: {}, repository, tagFrom: 'outPath' } as const;
  return { name, repository, canonical: '', inferred: true, config };
}

/** What to evaluate before the manifests are read: the configured images, or the root default.nix. */
export function speculativeImages(session: Session): ResolvedImage[] {
  if (session.images.length > 0 || session.config.images !== undefined) return session.images;
  return session.entries.some((entry) => entry.path === 'default.nix') ? [defaultImage()] : [];
}

const READ_BATCH = 64;

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
  const { repository, config, scopes } = session;
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
        const result = await readManifest(modules, session.manifestRoot, file, scope.explicit, warnings);
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
  /** The tags came from the cache: no Nix call was made. */
  cached: boolean;
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
  const pin = await readPin(path.join(root, config.pin), config.pin, root);
  const nixpkgs =
    pin === undefined
      ? undefined
      : await pinnedNixpkgs(pin, config.pin, path.join(stateDirectory(repository), 'cache'), root);
  const { evaluation } = config;
  const evaluating = evaluateImages(
    requests,
    {
      system: config.system,
      allowImportFromDerivation: config.allowImportFromDerivation,
      nixpkgs,
      restrict: evaluation.restrictEval
        ? { checkout: root, allowedUris: [...(pin === undefined ? [] : [pin.url]), ...evaluation.allowedUris] }
        : undefined,
    },
    signal,
    { timeoutSeconds: evaluation.timeout, memoryLimitMb: evaluation.memoryLimit ?? undefined },
  );
  onStart();
  const evaluations = await evaluating;
  const tags = new Map(images.map((image, index) => [evaluationKey(image), evaluations[index]!]));
  session.cache?.store.store(session.cache.context, tags);
  return tags;
}

/**
 * Tags for `images` in the tree CI will see (tracked files, checked out in a directory named
 * like CI's checkout, `<nixpkgs>` mapped to the pin): from the cache when it knows them,
 * otherwise from Nix, started at once and returned before it finishes, so that reading manifests
 * overlaps with it.
 */
export function startEvaluation(session: Session, images: readonly ResolvedImage[]): Evaluation {
  const cached = session.cache?.store.lookup(session.cache.context);
  if (cached !== undefined && images.every((image) => cached.has(evaluationKey(image)))) {
    return { result: Promise.resolve(cached), started: Promise.resolve(), cached: true, cancel: () => undefined };
  }
  const controller = new AbortController();
  const { promise: started, resolve } = Promise.withResolvers<void>();
  const result = evaluateInTree(session, images, controller.signal, resolve);
  result.then(
    () => resolve(),
    () => resolve(),
  ); // awaited later, or deliberately abandoned
  return { result, started, cached: false, cancel: () => controller.abort() };
}
