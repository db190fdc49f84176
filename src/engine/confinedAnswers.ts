import { readdir } from 'node:fs/promises';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { EvalSettings } from '../nix/commandLine.js';
import { evaluateImages, type EvaluateOptions, type ImageEvaluation, type ImageRequest } from '../nix/evaluate.js';
import type { ConfinedAnswer } from '../nix/source/confinedAnswers.js';
import { copiedSymlink, type PathCopy } from '../nix/source/pathCopies.js';
import { compareVersions, localNixVersion } from '../nix/version.js';

/**
 * Confinement (restrict-eval) answers `pathExists` of a place outside the repository `false`,
 * silently, where CI's plain nix-instantiate looks (nix/source/confinedAnswers.ts). An image that
 * asks about a place written out there (`/bin/bash`) is refused; one that asks about a computed
 * place is evaluated once more with the whole file system readable (the environment, fetches and
 * the rest still confined), and refused when its tag then differs. Only these probes read outside
 * the tree, and only to compare: the tag is always the confined one.
 */

interface Probed {
  request: ImageRequest;
  evaluation: ImageEvaluation;
  answer: ConfinedAnswer;
}

/** `file:line` as an error's location. */
function locationOf({ at, column }: { at: string; column: number }): { file: string; line: number; column: number } {
  const colon = at.lastIndexOf(':');
  return { file: at.slice(0, colon), line: Number(at.slice(colon + 1)), column };
}

/**
 * Every path a probe may read: `/` (2.26 allows what is under it) and each directory in it (2.8
 * allows only what is under an entry, never `/` itself).
 */
async function everywhere(): Promise<string[]> {
  const names = await readdir('/').catch(() => [] as string[]);
  return ['/', ...names.map((name) => `/${name}`)];
}

function refusal(answer: ConfinedAnswer, message: string, enforced: boolean): NixtagError {
  return new NixtagError('NIX_CONFINED_ANSWER', message, {
    location: locationOf(answer),
    hint: messages.confinedAnswerHint(enforced),
  });
}

/**
 * Throws NIX_CONFINED_ANSWER for the first image among `requests` whose tag confinement may have
 * changed. `confined`: what each request's files ask (inputs.ts), `evaluations` its confined
 * tags. Images that cannot be judged anyway (commit-dependent, moving) are left to say so.
 */
export async function refuseConfinedAnswers(options: {
  requests: readonly ImageRequest[];
  evaluations: readonly ImageEvaluation[];
  confined: ReadonlyArray<ConfinedAnswer | undefined>;
  settings: EvalSettings;
  signal: AbortSignal;
  limits: EvaluateOptions;
  /** The tree holds a symlink: a question about its own files may leave it (2.8). */
  links: boolean;
}): Promise<void> {
  const { settings } = options;
  const restrict = settings.restrict;
  if (restrict === undefined) return;
  const enforced = restrict.enforced === true;
  const probed: Probed[] = [];
  options.requests.forEach((request, index) => {
    const answer = options.confined[index];
    const evaluation = options.evaluations[index]!;
    if (answer === undefined || evaluation.commitDependent || evaluation.moving !== undefined) return;
    if (answer.inside === true && !options.links) return;
    if (answer.outside) {
      const message = messages.confinedAnswer(request.name, answer.construct, answer.at, answer.path);
      throw refusal(answer, message, enforced);
    }
    probed.push({ request, evaluation, answer });
  });
  if (probed.length === 0) return;
  const readable = [...(restrict.readable ?? []), ...(await everywhere())];
  const probe = { ...settings, restrict: { ...restrict, readable } };
  const requests = probed.map((one) => one.request);
  let evaluations: readonly ImageEvaluation[];
  try {
    ({ evaluations } = await evaluateImages(requests, probe, options.signal, options.limits));
  } catch (error) {
    if (options.signal.aborted) throw error;
    // Readable, the expression fails where it did not confined: confinement changed what it saw.
    const { request, answer, evaluation } = probed[0]!;
    const message = messages.confinedAnswerDiffers(request.name, answer.construct, answer.at, evaluation.tag, '(none)');
    throw new NixtagError('NIX_CONFINED_ANSWER', message, {
      location: locationOf(answer),
      hint: messages.confinedAnswerHint(enforced),
      cause: error,
      ...(error instanceof NixtagError && error.detail !== undefined ? { detail: error.detail } : {}),
    });
  }
  probed.forEach(({ request, answer, evaluation }, index) => {
    const other = evaluations[index]!.tag;
    if (other === evaluation.tag) return;
    const message = messages.confinedAnswerDiffers(request.name, answer.construct, answer.at, evaluation.tag, other);
    throw refusal(answer, message, enforced);
  });
}

/** The first Nix measured to copy a symlink as itself under confinement (2.8 resolves it). */
const COPIES_LINKS = '2.26';

/**
 * Throws NIX_CONFINED_ANSWER for the first image that may copy a symlink of the tree to the store
 * (nix/source/pathCopies.ts) when the local Nix resolves it first under confinement: the stored
 * target is not the link CI's plain nix-instantiate stores. `symlinks`: the tree's, by path.
 */
export async function refuseSymlinkCopies(options: {
  names: readonly string[];
  evaluations: readonly ImageEvaluation[];
  copies: ReadonlyArray<readonly PathCopy[]>;
  settings: EvalSettings;
  symlinks: ReadonlySet<string>;
  root: string;
}): Promise<void> {
  const { restrict } = options.settings;
  if (restrict === undefined || options.symlinks.size === 0) return;
  const found = options.names.flatMap((name, index) => {
    const evaluation = options.evaluations[index]!;
    if (evaluation.commitDependent || evaluation.moving !== undefined) return [];
    const copy = copiedSymlink(options.copies[index] ?? [], options.symlinks);
    return copy === undefined ? [] : [{ name, copy }];
  });
  if (found.length === 0) return;
  const version = await localNixVersion(options.root);
  if (version !== '' && compareVersions(version, COPIES_LINKS) >= 0) return;
  const { name, copy } = found[0]!;
  const link = copy.prefix ? ([...options.symlinks].find((one) => one.startsWith(copy.path)) ?? copy.path) : copy.path;
  const message = messages.confinedSymlinkCopy(name, copy.literal, copy.at, link, version);
  throw new NixtagError('NIX_CONFINED_ANSWER', message, {
    location: locationOf(copy),
    hint: messages.confinedSymlinkCopyHint(restrict.enforced === true),
  });
}
