import { NixtagError } from '../errors.js';
import type { CheckResult, HashResult, ImageFailure, RefusedWrite, Warning } from '../types.js';
import { messages } from '../messages.js';
import { quoteName } from '../escape.js';
import { noColours, type Colours } from './colour.js';

/** Human output of `check` and `fix`. */
export function formatCheck(result: CheckResult, verbose: boolean, paint: Colours = noColours): string {
  const lines: string[] = [];
  if (result.skipped) return messages.nothingToDo();
  for (const reference of result.references) {
    const { line, column } = reference;
    const file = quoteName(reference.file);
    if (reference.status === 'stale' || reference.status === 'fixed') {
      const stale = reference.status === 'stale';
      lines.push(
        (stale ? paint.red : paint.green)(
          (stale ? messages.stale : messages.fixed)(file, line, column, reference.image ?? ''),
        ),
        (stale ? messages.current : messages.was)(reference.current),
        (stale ? messages.expected : messages.now)(reference.expected ?? ''),
      );
      if (reference.repositoryChanged) lines.push(messages.repositoryChanged(reference.current));
      if (reference.digestUnverified) lines.push(messages.digestUnverified(stale));
      else if (reference.digestDropped) lines.push(messages.digestDropped());
      if (reference.tagSuffix !== undefined)
        lines.push(messages.tagSuffixApplied(reference.tagSuffix, reference.current));
      if (reference.fixedInWorktree)
        lines.push(result.partialCommit ? messages.namePartialFixed(file) : messages.stageFixed(file));
    } else if (reference.status === 'unmanaged' && reference.image !== null) {
      const image = reference.image;
      const moves = (result.moving ?? []).includes(image);
      const fails = (result.failures ?? []).some((failure) => failure.image === image);
      lines.push(
        fails
          ? paint.red(messages.cloneDependentReference(file, line, column, image))
          : (moves ? messages.unjudgedMoving : messages.unjudged)(file, line, column, image),
        messages.current(reference.current),
      );
    } else if (verbose && reference.status === 'unmanaged') {
      lines.push(messages.unmanaged(file, line, column, reference.current));
    } else if (verbose) {
      lines.push(messages.upToDate(file, line, column, reference.current));
    }
  }
  if (verbose && result.wholeTreeInputs !== undefined) lines.push(messages.wholeTreeNote(result.wholeTreeInputs));
  if (verbose && result.manifests !== undefined)
    lines.push(messages.manifestsRead(result.manifests.read, result.manifests.remembered));
  for (const loop of result.loops ?? []) {
    lines.push(messages.loop(quoteName(loop.file), loop.image, loop.tag));
    const { source } = loop;
    if (source !== undefined)
      lines.push(`  ${messages.loopSource(source.file, source.line, source.column, source.text)}`);
    lines.push(`  ${messages.loopHint()}`);
  }
  const managed = result.references.filter((reference) => reference.status !== 'unmanaged');
  const stale = managed.filter((reference) => reference.status === 'stale').length;
  const fixed = managed.filter((reference) => reference.status === 'fixed').length;
  // Unchecked references (no Nix, whenNixMissing: warn) are told in the warnings.
  if (result.unchecked !== undefined) return lines.join('\n');
  const unjudged = (result.commitDependent ?? []).length > 0;
  const moving = (result.moving ?? []).length > 0;
  const notJudged = result.references.filter((reference) => reference.status === 'unmanaged' && reference.image);
  // A tag no clone CI makes can match fails the run: said first, whatever else was judged.
  const failed = (result.failures ?? []).map((failure) => failure.image);
  if (failed.length > 0) lines.push(paint.red(messages.cloneDependentSummary(failed)));
  if (managed.length === 0 && moving) lines.push(messages.movingSummary(result.ok));
  else if (managed.length === 0 && unjudged) {
    if (failed.length === 0) lines.push(messages.unjudgedSummary(result.ok));
  } else if (managed.length === 0) lines.push(...nothingManaged(result, verbose));
  else if (stale === 0 && fixed === 0 && notJudged.length > 0)
    lines.push(messages.someNotJudged(managed.length, notJudged.length));
  else if ((result.refused ?? []).length > 0)
    lines.push(
      paint.red(
        messages.fixPartialSummary(
          fixed,
          stale,
          result.refused!.map(({ file }) => file),
        ),
      ),
    );
  else if (stale > 0) lines.push(paint.red(messages.staleSummary(stale)), paint.bold(nextStep(result)));
  else if ((result.loops ?? []).length > 0) lines.push(messages.loopSummary());
  else if (fixed > 0) lines.push(messages.fixedSummary(fixed));
  else lines.push(paint.green(messages.allCurrent(managed.length)));
  return lines.join('\n');
}

/**
 * After stale references: stage what the working tree has fixed already, else run fix; for a
 * commit (a push), fix and commit: the commit itself keeps its tags.
 */
function nextStep(result: CheckResult): string {
  const stale = result.references.filter((reference) => reference.status === 'stale');
  if (stale.every((reference) => reference.fixedInWorktree)) {
    const files = [...new Set(stale.map((reference) => reference.file))];
    return result.partialCommit ? messages.runNamePartial(files) : messages.runStage(files);
  }
  const submodules = [...new Set(stale.flatMap((reference) => reference.submodule ?? []))];
  if (submodules.length > 0) return messages.updateSubmodules(submodules);
  const judged = result.judged ?? 'worktree';
  if (judged === 'rev') return messages.runFixAndCommit(messages.fixCommand(judged));
  if (judged === 'index' && result.unstaged !== undefined)
    return messages.runFixUnstaged(messages.fixCommand(judged), result.unstaged);
  return messages.runFix(messages.fixCommand(judged));
}

/** What a run that manages nothing saw, and what to do: never a silent pass. */
function nothingManaged(result: CheckResult, verbose: boolean): string[] {
  const seen = result.references.filter((reference) => reference.status === 'unmanaged');
  const lines = [messages.nothingManaged(result.managesNothing?.configured ?? false)];
  if (seen.length === 0) lines.push(messages.noCandidates());
  else if (!verbose) {
    lines.push(messages.candidatesSeen(seen.length));
    for (const { file, line, column, current } of seen.slice(0, CANDIDATES_SHOWN))
      lines.push(messages.candidate(file, line, column, current));
    if (seen.length > CANDIDATES_SHOWN) lines.push(messages.moreCandidates(seen.length - CANDIDATES_SHOWN));
  }
  lines.push(messages.suggestInit());
  return lines;
}

const CANDIDATES_SHOWN = 10;

export function formatHash(result: HashResult): string {
  return result.images
    .map((image) => (result.images.length === 1 ? image.hash : `${image.name}\t${image.hash}`))
    .join('\n');
}

/** Warnings, each on its line; mentions one line each only when verbose, else one summary line. */
export function formatWarnings(warnings: readonly Warning[], verbose = false): string {
  const mentions = warnings.filter((warning) => warning.mention);
  const shown = verbose ? warnings : warnings.filter((warning) => !warning.mention);
  const lines = shown.map((warning) => messages.warning(warning.message));
  if (!verbose && mentions.length > 0) lines.push(messages.warning(messages.mentions(mentions.length)));
  return lines.join('\n');
}

/** The errors of a fix that wrote what it could: one for each manifest it left (a submodule's). */
export function formatRefused(refused: readonly RefusedWrite[], paint: Colours = noColours): string {
  return refused
    .map(({ file, code, message, hint }) =>
      formatError(new NixtagError(code, message, { location: { file }, hint }), paint),
    )
    .join('\n');
}

/** The errors of images whose references fail CI whatever they hold (TAG_CLONE_DEPENDENT). */
export function formatFailures(failures: readonly ImageFailure[], paint: Colours = noColours): string {
  return failures
    .map(({ code, message, hint, location }) =>
      formatError(new NixtagError(code, message, { ...(location === undefined ? {} : { location }), hint }), paint),
    )
    .join('\n');
}

/** An error with its code, location, detail and hint, as a user reads it in a terminal or hook. */

export function formatError(error: NixtagError, paint: Colours = noColours): string {
  const lines = [`${paint.red(messages.errorPrefix(error.code))} ${error.message}`];
  const location = error.location;
  if (location !== undefined) {
    lines.push(
      `  at ${quoteName(location.file)}${location.line === undefined ? '' : `:${location.line}:${location.column ?? 1}`}`,
    );
  }
  if (error.detail) lines.push(error.detail);
  if (error.hint) lines.push(`${paint.bold(messages.hintPrefix())} ${error.hint}`);
  return lines.join('\n');
}
