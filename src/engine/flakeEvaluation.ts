import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InternalError, NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { EvalSettings } from '../nix/commandLine.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import { evaluateFlakeImages, type FlakeImageRequest } from '../nix/evaluateFlakes.js';
import { flakeFile, parseInstallable } from '../nix/flakeInstallable.js';
import { readFlakeLock, type FlakeLock } from '../nix/flakeLock.js';
import { verifyLockedInputs } from '../nix/lockedInputs.js';
import { evaluationInputs } from '../nix/source/inputs.js';
import { flakeReads, type Place } from '../nix/source/flakeReads.js';
import type { InputSet } from '../nix/source/inputSet.js';
import { headOf } from '../tree/checkoutRepository.js';
import { settleCommitDependence } from './commitDependence.js';
import { markMoving, markVersionMismatch, versionMismatch, versionMoves } from './versionReads.js';
import { refuseStaleHashedPaths } from './hashedPaths.js';
import { markComputedFetches, settleFetches, verifyPinnedFetches } from './pinnedFetches.js';
import type { ResolvedImage } from './images.js';
import type { Session } from './session.js';

/** An image given as a flake output rather than an expression file. */
export const isFlakeImage = (image: ResolvedImage) => image.config.flake !== undefined;

/** What one kind of evaluation (files, flakes) found in the tree: per image, in order. */
export interface TreeEvaluation {
  evaluations: ImageEvaluation[];
  byImage: InputSet[];
  all: InputSet;
  /** No tag depends on the commit: the tags hold for any commit of this tree. */
  cacheable: boolean;
}

export function flakeRequest(image: ResolvedImage): FlakeImageRequest {
  const text = image.config.flake ?? '';
  const installable = parseInstallable(text);
  if ('error' in installable) throw new InternalError(`a validated installable '${text}' does not parse`);
  return { name: image.name, installable, display: text, tagFrom: image.config.tagFrom };
}

const lockFileOf = (directory: string) => (directory === '' ? 'flake.lock' : `${directory}/flake.lock`);

/** Each flake's lock, read and checked (flakeLock.ts), by flake directory. */
async function flakeLocks(root: string, directories: readonly string[]): Promise<Map<string, FlakeLock>> {
  return new Map(
    await Promise.all(directories.map(async (directory) => [directory, await readFlakeLock(root, directory)] as const)),
  );
}

/**
 * Each lock entry not seen before (a `path:` one is the tree's: flakeLock.ts compares it) is
 * fetched as CI's empty store fetches it and compared with the lock (nix/lockedInputs.ts), before
 * a store that holds its narHash's path answers for it unfetched (Nix 2.8). Remembered by the
 * whole entry: a known lock costs no Nix call.
 */
async function verifyLocks(
  session: Session,
  root: string,
  locks: ReadonlyMap<string, FlakeLock>,
  settings: EvalSettings,
) {
  const { verifiedMemo } = await import('../state/verifiedMemo.js');
  const memo = verifiedMemo(session.repository.gitDir, 'lock', session.reverify);
  for (const [directory, lock] of locks) {
    const fresh = new Map(
      lock.inputs
        .filter(({ locked }) => locked.type !== 'path' && !memo.known(locked))
        .map((input) => [JSON.stringify(input.locked), input] as const),
    );
    if (fresh.size === 0) continue;
    await verifyLockedInputs(lockFileOf(directory), [...fresh.values()], root, settings, session.reverify);
    await Promise.all([...fresh.values()].map(({ locked }) => memo.remember(locked)));
  }
}

/** A construct of FlakeReads, with the repository file it is in. */
type LocatedRead = Place & { file: string };

/** The reads of the flakes' own files that Nix parsed (repository paths), the first of each kind. */
async function readsOf(
  root: string,
  files: readonly string[],
): Promise<{ wholeTree?: LocatedRead; commit?: LocatedRead }> {
  const found: { wholeTree?: LocatedRead; commit?: LocatedRead } = {};
  for (const file of files) {
    const text = await readFile(path.join(root, file), 'utf8').catch(() => '');
    const reads = flakeReads(text);
    if (found.wholeTree === undefined && reads.wholeTree !== undefined) found.wholeTree = { ...reads.wholeTree, file };
    if (found.commit === undefined && reads.commit !== undefined) found.commit = { ...reads.commit, file };
  }
  return found;
}

/** Repository paths of the files under `root` among Nix's absolute ones. */
function repositoryFiles(root: string, files: readonly string[]): string[] {
  return files
    .map((file) => path.relative(root, file))
    .filter((relative) => relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative))
    .map((relative) => relative.split(path.sep).join('/'));
}

/**
 * Evaluates flake images in the checkout `root` (one `nix eval` for all of them) and finds what
 * they read: the files Nix parsed in the flakes' source and the paths they name, each flake's
 * flake.lock and its `path:` inputs inside the repository; every tracked file when the source is
 * taken whole (`self`, `"${self}"`, `self.outPath`). A tag that reads the commit (`self.rev` and
 * its kin, or `self` handed on) is settled as for `fetchGit` (commitDependence.ts): evaluated
 * again with HEAD at another commit of the same tree.
 */
export async function evaluateFlakesInTree(
  session: Session,
  root: string,
  images: readonly ResolvedImage[],
  settings: EvalSettings,
  signal: AbortSignal,
  always: readonly string[],
  onSpawn: () => void,
): Promise<TreeEvaluation> {
  const requests = images.map(flakeRequest);
  const directories = [...new Set(requests.map((request) => request.installable.directory))];
  for (const request of requests) {
    const file = flakeFile(request.installable.directory);
    if (session.index.at(file) === undefined) {
      throw new NixtagError('PATH_NOT_FOUND', messages.flakeFileMissing(request.name, file), {
        location: { file },
        hint: messages.flakeFileMissingHint(),
      });
    }
  }
  const locks = await flakeLocks(root, directories);
  await verifyLocks(session, root, locks, settings);
  const { timeout, memoryLimit } = session.config.evaluation;
  const options = {
    timeoutSeconds: timeout,
    memoryLimitMb: memoryLimit ?? undefined,
    ciNixVersion: session.config.nixVersion,
  };
  const evaluate = () => {
    const head = headOf(root);
    if (head === undefined) throw new InternalError(`the checkout ${root} has no HEAD commit`);
    return evaluateFlakeImages(requests, root, head, settings, locks, signal, options);
  };
  const evaluating = evaluate();
  onSpawn();
  const first = await evaluating;
  const parsed = repositoryFiles(root, first.evaluatedFiles);
  const reads = await readsOf(root, parsed);
  const settled =
    reads.commit === undefined
      ? { evaluations: first.evaluations, cacheable: true }
      : await settleCommitDependence(
          session,
          root,
          first.evaluations,
          true,
          async () => (await evaluate()).evaluations,
          {
            cloneProbe: false,
          },
        );
  const inputsAlways = [
    ...always,
    ...directories.map(lockFileOf),
    ...[...locks.values()].flatMap((lock) => lock.pathInputs),
  ];
  const sources = requests.map((request) => ({ file: flakeFile(request.installable.directory), snippets: [] }));
  const found = await evaluationInputs(root, first.evaluatedFiles, sources, inputsAlways, session.index);
  // The evaluating Nix's version, read in a flake's code: CI's answer only on CI's Nix (as for
  // expression files). Pure evaluation refuses the rest of what moves a file image's tag: every
  // unpinned fetch and unlocked input, the time; the environment and NIX_PATH read as empty.
  const moved = await versionMoves(root, found.readsVersion, session.config.nixVersion);
  const names = requests.map((request) => request.name);
  const versionMarked = moved ? markMoving(settled.evaluations, found.readsVersion, names) : settled.evaluations;
  const written = await settleFetches(root, found.fetches, found.computedFetches);
  const mismatch = await versionMismatch(root, session.config.nixVersion);
  const fetchesMarked = markComputedFetches(versionMarked, written.computed, names);
  const marked = { ...settled, evaluations: markVersionMismatch(fetchesMarked, found.readsFloat, names, mismatch) };
  // What a store answers unread, as for expression files: a copy under a fixed hash, a fetch by
  // its sha256 (pure evaluation refuses neither).
  await refuseStaleHashedPaths(root, names, found.hashed);
  await verifyPinnedFetches(session, root, written.fetches.flat(), settings);
  if (reads.wholeTree !== undefined) {
    const where = `${reads.wholeTree.file}:${reads.wholeTree.line}:${reads.wholeTree.column}`;
    const whole: InputSet = { paths: [''], wholeTree: messages.flakeSourceInput(where, reads.wholeTree.construct) };
    return { ...marked, byImage: requests.map(() => whole), all: whole };
  }
  return { ...marked, byImage: found.byImage, all: found.all };
}
