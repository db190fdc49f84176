import type { Warning } from '../types.js';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { InternalError, NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { parseAttrPath } from '../nix/attrPath.js';
import type { EvalSettings } from '../nix/commandLine.js';
import { evaluateImages, type ImageEvaluation, type ImageRequest } from '../nix/evaluate.js';
import type { NixArg } from '../nix/expression.js';
import { checkoutDirectory } from '../tree/checkout.js';
import { freshenIndex } from '../tree/checkoutRepository.js';
import { withBranches } from '../tree/checkoutBranches.js';
import type { Moving } from '../nix/source/moving.js';
import { armHeadProbe } from '../tree/headProbe.js';
import type { InputSet } from '../state/inputKey.js';
import { leaveCheckoutPathsUnjudged, ownFirst } from './checkoutPaths.js';
import { settleLocation } from './checkoutLocation.js';
import { placeCloneDependence, settleCommitDependence } from './commitDependence.js';
import { refMissing } from './refMissing.js';
import { explainShallowClone } from './shallowClone.js';
import { refuseConfinedAnswers, refuseSymlinkCopies } from './confinedAnswers.js';
import { refuseStaleHashedPaths } from './hashedPaths.js';
import { evaluateFlakesInTree, isFlakeImage, type TreeEvaluation } from './flakeEvaluation.js';
import type { ResolvedImage } from './images.js';
import { evaluationInputs, type Snippet } from '../nix/source/inputs.js';
import { ALWAYS, ancestors, covers, unionOf } from '../nix/source/inputSet.js';
import type { CachedTag } from '../state/evaluations.js';
import { nivFetches } from '../nix/source/nivFetches.js';
import type { Session } from './session.js';
import { explainNixVersion, markMoving, markVersionMismatch, versionMismatch, versionMoves } from './versionReads.js';
import { markComputedFetches, settleFetches, verifyPinnedFetches } from './pinnedFetches.js';

/** The run's expected tags: each image's evaluation, by image name. */
export type ExpectedTags = ReadonlyMap<string, ImageEvaluation>;

/** Evaluations by evaluationKey: what Nix and the cache deal in. */
type ByKey = ReadonlyMap<string, ImageEvaluation>;

/**
 * Images with the same expression, attribute, arguments and tag source have the same tag: they
 * are evaluated once, and the cache stores tags under this key, not under an image's name.
 */
export function evaluationKey(image: ResolvedImage): string {
  const { nix, attr, args, tagFrom, flake } = image.config;
  return JSON.stringify(flake === undefined ? [nix, attr, args, tagFrom] : ['flake', flake, tagFrom]);
}

/** Configured `args` as nix-instantiate takes them: strings `--argstr`, the rest `--arg`. */
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
  /**
   * The tags of `images`, by name; undefined when one of them was not part of this evaluation
   * (it started before the images were known). Rejects when the evaluation failed.
   */
  tagsFor(images: readonly ResolvedImage[]): Promise<ExpectedTags | undefined>;
  /** What the evaluation read of the repository (state/inputKey.ts). */
  inputs(): Promise<InputSet>;
  /** Settles once Nix runs (or the evaluation ended without it): other work may start then. */
  started: Promise<void>;
  /** The tags came from the cache: no Nix call was made. */
  cached: boolean;
  /** Stops an evaluation nobody needs any more; harmless once it is done. */
  cancel(): void;
}

function byName(byKey: ByKey, images: readonly ResolvedImage[]): ExpectedTags | undefined {
  const tags = new Map<string, ImageEvaluation>();
  for (const image of images) {
    const evaluation = byKey.get(evaluationKey(image));
    if (evaluation === undefined) return undefined;
    tags.set(image.name, evaluation);
  }
  return tags;
}

export async function requestsFor(root: string, images: readonly ResolvedImage[]): Promise<ImageRequest[]> {
  const requests = images.map((image) => ({
    name: image.name,
    file: path.join(root, image.config.nix),
    displayFile: image.config.nix,
    attrPath: image.config.attr === null ? [] : parseAttrPath(image.config.attr),
    args: nixArgs(image.config.args),
    tagFrom: image.config.tagFrom,
    checkout: root,
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
  return requests;
}

/**
 * How Nix evaluates for this session: the configured system and IFD setting, `<nixpkgs>` the pin;
 * confined as configured, or as `restrictEval` says (doctor's listing of what an image reads).
 */
export async function settingsFor(
  session: Session,
  root: string,
  restrictEval = session.config.evaluation.restrictEval,
): Promise<EvalSettings> {
  const { config } = session;
  const { evaluation } = config;
  const enforced = session.confinement !== undefined;
  const restrict = (urls: string[]) =>
    restrictEval ? { checkout: root, allowedUris: [...urls, ...evaluation.allowedUris], enforced } : undefined;
  const settings: EvalSettings = { ...baseSettings(config), restrict: restrict([]) };
  const { fetchPinnedNixpkgs, readPin } = await import('../nix/pin.js');
  const pin = await readPin(path.join(root, config.pin), config.pin, root);
  if (pin === undefined) return settings;
  const { pinMemo } = await import('../state/pinMemo.js');
  const memo = pinMemo(session.repository.gitDir, pin, session.reverify);
  let nixpkgs = await memo.get();
  if (nixpkgs === undefined) {
    // A pin not seen before (its url or sha256 changed): its url is downloaded and checked, as
    // CI's empty store does, before a store that holds the old sha256's path answers for it.
    const { verifyPinHash } = await import('../nix/pinHash.js');
    await verifyPinHash(pin, config.pin, root, settings);
    nixpkgs = await fetchPinnedNixpkgs(pin, config.pin, root, settings);
    await memo.set(nixpkgs);
  }
  // The pin's URL may be fetched by the expression itself (`fetchTarball { inherit (pin) url sha256; }`).
  return { ...settings, nixpkgs, restrict: restrict([pin.url]) };
}

/**
 * What keys the evaluation cache beyond the inputs: the run environment and the configuration
 * as loaded (its system, checkout name, pin, … change tags wherever it came from).
 */
function cacheEnvironment(session: Session): string | undefined {
  return session.environment === undefined ? undefined : `${session.environment}\n${JSON.stringify(session.config)}`;
}

/** The images' `--arg` expressions, as Nix text in their images' directories (they may name paths). */
export function argSnippets(images: readonly ResolvedImage[]): Snippet[] {
  return images.flatMap((image) =>
    Object.values(image.config.args).flatMap((value) =>
      typeof value === 'object'
        ? [{ file: path.posix.join(path.posix.dirname(image.config.nix), '.args'), text: value.expr }]
        : [],
    ),
  );
}

/** Paths every evaluation reads besides what Nix reports: the configuration file and the pin. */
export function alwaysRead(session: Session): string[] {
  return [...session.configFiles, session.config.pin].filter((file) => file !== '' && !file.startsWith('..'));
}

/** A configuration in JavaScript or TypeScript, which may require other files. */
const CODE_CONFIG = /\.(?:c|m)?[jt]s$/;

/**
 * What a verdict depends on, given what its evaluation read: that and the symlinks the
 * configuration is read or looked for through, with where they lead (a file filled or added
 * there changes the configuration), unless a file of the configuration is code, which may read
 * any file, so that every file counts.
 */
export function verdictInputs(session: Session, inputs: InputSet): InputSet {
  const code = session.configFiles.find((file) => CODE_CONFIG.test(file));
  if (code !== undefined) return { paths: [''], wholeTree: messages.codeConfigInput(code) };
  return session.configLinked.length === 0 ? inputs : unionOf([inputs, { paths: session.configLinked }]);
}

/** What one evaluation in the tree found: its tags by evaluation key, and what its images read in all. */
interface Evaluated {
  tags: ByKey;
  inputs: InputSet;
}

/** The settings every evaluation gets, before the pin: the configured system and IFD setting. */
export function baseSettings(config: Session['config']): EvalSettings {
  return { system: config.system, allowImportFromDerivation: config.allowImportFromDerivation };
}

/** The files of the checkout among `files` (absolute), relative to it. */
const treeFiles = (root: string, files: readonly string[]) =>
  files.map((file) => path.relative(root, file)).filter((file) => !file.startsWith('..') && !path.isAbsolute(file));

/** Nix failing where git did (a branch the checkout lacks): the one failure worth a retry with branches. */
const mayNeedBranch = (error: unknown) =>
  error instanceof NixtagError &&
  error.code === 'NIX_EVAL_FAILED' &&
  /\bgit\b/i.test(`${error.detail ?? ''}${error.message}`);

/**
 * Why an image evaluated only with branches in the checkout is left unjudged, where its files do
 * not show the fetch by branch (moving.ts): its evaluation needed one, as CI's clone may not have.
 */
const needsBranch = (image: ResolvedImage): Moving => ({
  kind: 'environment',
  construct: 'a branch or tag of the repository (its evaluation fails without one)',
  at: image.config.nix,
  branch: true,
});

/** Expression-file images, in nix-instantiate processes (one where it can: evaluate.ts batches). */
async function evaluateFilesInTree(
  session: Session,
  root: string,
  images: readonly ResolvedImage[],
  signal: AbortSignal,
  onSpawn: () => void,
): Promise<TreeEvaluation> {
  const requests = await requestsFor(root, images);
  const settings = await settingsFor(session, root);
  const probe = armHeadProbe(root);
  const { timeout, memoryLimit } = session.config.evaluation;
  const limits = { timeoutSeconds: timeout, memoryLimitMb: memoryLimit ?? undefined };
  // Set once an evaluation failed without branches and succeeded with them (checkoutBranches.ts).
  let branches = false;
  const run = () => evaluateImages(requests, settings, signal, limits);
  const evaluate = async () => {
    if (!branches) return run();
    const done = await withBranches(session.repository, root, run);
    if (done === undefined) throw new InternalError('the checkout lost its branches between two evaluations');
    return done.result;
  };
  const evaluating = run().catch(async (error: unknown) => {
    if (!mayNeedBranch(error) || signal.aborted) throw error;
    const retried = await withBranches(session.repository, root, run).catch(() => undefined);
    if (retried === undefined) throw refMissing(error) ?? error;
    branches = true;
    return retried.result;
  });
  onSpawn();
  let first = await evaluating;
  const readGit = probe();
  // Git saw a stale index (a dirty tree): again, with the index in step.
  if (readGit && (await freshenIndex(root))) first = await evaluate();
  const { evaluatedFiles } = first;
  const settled = await settleCommitDependence(session, root, first.evaluations, readGit, async () => {
    return (await evaluate()).evaluations;
  });
  const sources = images.map((image) => ({
    file: path.posix.normalize(image.config.nix),
    snippets: argSnippets([image]),
  }));
  const found = await evaluationInputs(
    root,
    evaluatedFiles,
    sources,
    alwaysRead(session),
    session.index,
    settings.nixpkgs === undefined ? [] : [settings.nixpkgs],
  );
  const { byImage, all, moving, confined, readsGit, readsVersion, readsFloat, copies, hashed, locating } = found;
  const written = await settleFetches(root, found.fetches, found.computedFetches);
  // The evaluating Nix's version read: CI's answer only where the local Nix is the configured one.
  const versionMoved = await versionMoves(root, readsVersion, session.config.nixVersion);
  const nixFiles = sources.map((source) => source.file);
  const placed = await Promise.all(
    settled.evaluations.map((evaluation, index) =>
      placeCloneDependence(root, evaluation, ownFirst(nixFiles[index], treeFiles(root, evaluatedFiles))),
    ),
  );
  // A tag that moves by itself is kept with what moves it: the cache answers it the same way.
  const movingMarked = placed.map((evaluation, index) => {
    const mover = moving[index] ?? (versionMoved ? readsVersion[index] : undefined);
    const gitRead = readsGit[index];
    // A file of `.git` read by name: the clone's bytes, never the commit's (gitReads.ts).
    if (gitRead !== undefined && evaluation.commitDependent !== true) {
      const warning = messages.cloneDependent(images[index]!.name, gitRead);
      return { ...evaluation, commitDependent: true, warnings: [...evaluation.warnings, warning] };
    }
    const branchRead = branches && mover === undefined ? needsBranch(images[index]!) : undefined;
    return markMoving([evaluation], [mover ?? branchRead], [images[index]!.name])[0]!;
  });
  const names = images.map((image) => image.name);
  // A pinned fetch whose url is computed: no download here can tell what CI's empty store fetches.
  const fetchesMarked = markVersionMismatch(
    markComputedFetches(movingMarked, written.computed, names),
    readsFloat,
    names,
    await versionMismatch(root, session.config.nixVersion),
  );
  const pathsMarked = fetchesMarked.some((evaluation) => evaluation.holdsCheckoutPath === true)
    ? await leaveCheckoutPathsUnjudged(root, fetchesMarked, nixFiles, treeFiles(root, evaluatedFiles))
    : fetchesMarked;
  // A tag that can depend on where the checkout lies: evaluated again at another place.
  const evaluations = await settleLocation(session, images, pathsMarked, locating, readGit, async (dir, probed) => {
    const there = await settingsFor(session, dir);
    return (await evaluateImages(await requestsFor(dir, probed), there, signal, limits)).evaluations;
  });
  // Confinement may have answered a question otherwise than CI: such a tag is never cached.
  const links = session.entries.some((entry) => entry.mode === '120000');
  await refuseConfinedAnswers({ requests, evaluations, confined, settings, signal, limits, links });
  // Nix 2.8 confined copies a symlink's target where CI copies the link: refused there.
  const symlinks = new Set(session.entries.filter((entry) => entry.mode === '120000').map((entry) => entry.path));
  await refuseSymlinkCopies({ names, evaluations, copies, settings, symlinks, root });
  // A copy under a fixed hash is answered by a store that holds it, unread: CI's empty store reads it.
  await refuseStaleHashedPaths(root, names, hashed);
  const niv = await nivFetches(root, treeFiles(root, evaluatedFiles));
  await verifyPinnedFetches(session, root, [...written.fetches.flat(), ...niv], settings);
  return { ...settled, evaluations, byImage, all };
}

/**
 * What to check in the checkout before Nix reads it for `images`: what their last evaluations read
 * (in whichever tree), the configuration and pin, the files that change every checkout, and the
 * tree's entries above those paths (a symlink or submodule there decides what they are).
 * Undefined, so every file is checked, where that is not known, is the whole tree, or is a flake's.
 */
function expectedReads(session: Session, images: readonly ResolvedImage[]): string[] | undefined {
  const environment = cacheEnvironment(session);
  if (environment === undefined || session.evaluations === undefined || images.some(isFlakeImage)) return undefined;
  const last = session.evaluations.lastInputs(environment, images.map(evaluationKey));
  if (last === undefined || last.paths.includes('')) return undefined;
  const paths = new Set([...last.paths, ...alwaysRead(session), ...ALWAYS]);
  for (const entry of session.index.withBaseName(ALWAYS)) paths.add(entry.path);
  for (const input of last.paths) {
    for (const above of ancestors(input)) if (session.index.at(above) !== undefined) paths.add(above);
  }
  return [...paths];
}

/**
 * After an evaluation that read files outside what was checked (or failed): whether the check of
 * the whole checkout found something to repair, so that the evaluation must run again.
 */
async function repairedElsewhere(session: Session): Promise<boolean> {
  const [before, after] = await Promise.all([session.materialized, session.intact()]);
  return after.made !== before.made;
}

async function evaluateInTree(
  session: Session,
  images: readonly ResolvedImage[],
  signal: AbortSignal,
  onStart: () => void,
  everything = false,
): Promise<Evaluated> {
  if (images.length === 0) return { tags: new Map(), inputs: { paths: alwaysRead(session) } };
  const expected = everything ? undefined : expectedReads(session, images);
  // What Nix reads: seen to be the tree's. Only what it is expected to read, checked again below
  // when it read more: a commit to one service stats that service's files, not the whole tree.
  const root = await checkoutDirectory(expected === undefined ? session.intact() : session.intactAt(expected));
  const again = () => evaluateInTree(session, images, signal, onStart, true);
  const files = images.filter((image) => !isFlakeImage(image));
  const flakes = images.filter(isFlakeImage);
  // Nix runs once every kind has started it: other work may start then.
  let waiting = (files.length > 0 ? 1 : 0) + (flakes.length > 0 ? 1 : 0);
  const spawned = () => {
    if (--waiting === 0) onStart();
  };
  // The first failure ends the other kind's Nix: nobody waits for it.
  const failed = new AbortController();
  const stop = AbortSignal.any([signal, failed.signal]);
  const running = [
    files.length > 0 ? evaluateFilesInTree(session, root, files, stop, spawned) : undefined,
    flakes.length > 0
      ? evaluateFlakesInTree(session, root, flakes, baseSettings(session.config), stop, alwaysRead(session), spawned)
      : undefined,
  ].map((kind) =>
    kind?.catch((error: unknown) => {
      failed.abort(error);
      throw error;
    }),
  );
  // The caller may show progress (a terminal's progress line) from here until Nix answers.
  const done = session.onEvaluate?.(images.map((image) => image.name));
  let results: Array<TreeEvaluation | undefined>;
  try {
    results = await Promise.all(running);
  } catch (error) {
    // A file outside those checked may have made it fail: CI's files might not.
    if (expected !== undefined && !signal.aborted && (await repairedElsewhere(session))) return again();
    throw await explainNixVersion(
      root,
      session.config.nixVersion,
      await explainShallowClone(session.repository, error),
    );
  } finally {
    done?.();
  }
  const parts = [
    { images: files, result: results[0] },
    { images: flakes, result: results[1] },
  ].filter((part): part is { images: ResolvedImage[]; result: TreeEvaluation } => part.result !== undefined);
  const read = unionOf(parts.map(({ result }) => result.all));
  const unchecked = expected !== undefined && read.paths.some((file) => file === '' || !covers(expected, file));
  if (unchecked && (await repairedElsewhere(session))) return again();
  const tags = new Map(
    parts.flatMap(({ images: group, result }) =>
      group.map((image, index) => [evaluationKey(image), result.evaluations[index]!] as const),
    ),
  );
  const environment = cacheEnvironment(session);
  if (environment !== undefined) {
    // Images with the same inputs share a record.
    const records = new Map<string, { inputs: InputSet; tags: Map<string, ImageEvaluation> }>();
    for (const { images: group, result } of parts) {
      if (!result.cacheable) continue;
      group.forEach((image, index) => {
        const inputs = result.byImage[index]!;
        const id = JSON.stringify(inputs);
        if (!records.has(id)) records.set(id, { inputs, tags: new Map() });
        records.get(id)!.tags.set(evaluationKey(image), tags.get(evaluationKey(image))!);
      });
    }
    if (records.size > 0) session.evaluations?.store(environment, session.index, [...records.values()]);
  }
  return { tags, inputs: read };
}

/** The images' tags the cache answers (their inputs unchanged in this tree), by evaluation key. */
function cachedTags(session: Session, images: readonly ResolvedImage[]): Map<string, CachedTag> {
  const environment = cacheEnvironment(session);
  if (environment === undefined || images.length === 0 || session.evaluations === undefined) return new Map();
  return session.evaluations.answers(environment, session.index, images.map(evaluationKey));
}

/**
 * What the evaluation of `images` in this tree reads, from the cache without Nix: the inputs of
 * the records that answer every one of them (as `startEvaluation` would take their tags).
 */
export function recordedInputs(session: Session, images: readonly ResolvedImage[]): InputSet | undefined {
  const cached = cachedTags(session, images);
  if (images.length === 0 || !images.every((image) => cached.has(evaluationKey(image)))) return undefined;
  return unionOf([...cached.values()].map((tag) => tag.inputs));
}

/**
 * Tags for `images` in the tree CI will see (tracked files, checked out in a directory named
 * like CI's checkout, `<nixpkgs>` mapped to the pin): each image's from the cache when none of
 * its recorded inputs changed, the others from Nix, in one process (their shared import paid
 * once), started at once and returned before it finishes, so that reading manifests overlaps
 * with it. One service's change costs that service's evaluation.
 */
export function startEvaluation(session: Session, images: readonly ResolvedImage[]): Evaluation {
  const cached = cachedTags(session, images);
  const known = new Map([...cached].map(([key, tag]) => [key, tag.evaluation]));
  const knownInputs = [...cached.values()].map((tag) => tag.inputs);
  const missing = images.filter((image) => !cached.has(evaluationKey(image)));
  if (missing.length === 0 && images.length > 0) {
    return {
      tagsFor: async (wanted) => byName(known, wanted),
      inputs: async () => unionOf(knownInputs),
      started: Promise.resolve(),
      cached: true,
      cancel: () => undefined,
    };
  }
  const controller = new AbortController();
  const { promise: started, resolve } = Promise.withResolvers<void>();
  const result = evaluateInTree(session, missing, controller.signal, resolve);
  result.then(
    () => resolve(),
    () => resolve(),
  ); // awaited later, or deliberately abandoned
  return {
    tagsFor: async (wanted) => byName(new Map([...known, ...(await result).tags]), wanted),
    inputs: async () => unionOf([...knownInputs, (await result).inputs]),
    started,
    cached: false,
    cancel: () => controller.abort(),
  };
}

/** Evaluates `images` and waits for their tags: for callers that know every image up front. */
export async function expectedTags(session: Session, images: readonly ResolvedImage[]): Promise<ExpectedTags> {
  const evaluation = startEvaluation(session, images);
  return (await evaluation.tagsFor(images)) ?? new Map();
}

/** What Nix's answers warn about, as run warnings (they name the image, not a file line). */
export function evaluationWarnings(tags: ExpectedTags): Warning[] {
  return [...tags.values()].flatMap((evaluation) =>
    evaluation.warnings.map((message) => ({ file: null, line: null, message })),
  );
}
