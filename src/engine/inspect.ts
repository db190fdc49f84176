import { realpathSync } from 'node:fs';
import { isNixtagError } from '../errors.js';
import { pathsThrough } from '../manifest/links.js';
import { messages } from '../messages.js';
import { recordJudgement } from '../state/judgements.js';
import type { InputSet } from '../state/inputKey.js';
import type { CheckResult, ImageFailure, Warning } from '../types.js';
import { compareReferences, type Comparison } from './compare.js';
import {
  alwaysRead,
  evaluationKey,
  evaluationWarnings,
  startEvaluation,
  verdictInputs,
  type Evaluation,
  type ExpectedTags,
} from './evaluation.js';
import { speculativeImages, type ResolvedImage } from './images.js';
import { manifestRules, pathsCanMatter } from './narrow.js';
import type { Scan } from './manifestEntry.js';
import { findReferences, referencedImages, scanCounts } from './references.js';
import { spellingsOf } from './mentions.js';
import { checkExpressions, checkGlobs } from './configMisses.js';
import type { Session } from './session.js';

/** One look at a session's tree: its references, the expected tags, and how they compare. */
export interface Inspection {
  /** The PATH arguments could change nothing: nothing was read or evaluated. */
  skipped: boolean;
  scan: Scan;
  comparisons: Comparison[];
  warnings: Warning[];
  /** The expected tags of the images that references name. */
  tags: ExpectedTags;
  /** What those tags were computed from (the configuration and pin alone when no image was needed). */
  inputs: InputSet;
  /** No Nix call was needed: the tags came from the cache, or nothing needed a tag. */
  cached: boolean;
  /** References left unjudged: Nix is missing and the configuration says `whenNixMissing: warn`. */
  unchecked?: number;
}

const sameKeys = (a: readonly ResolvedImage[], b: readonly ResolvedImage[]) => {
  const keys = new Set(a.map(evaluationKey));
  return keys.size === new Set(b.map(evaluationKey)).size && b.every((image) => keys.has(evaluationKey(image)));
};

/**
 * The tags of the images references name, from the evaluation started before they were known
 * when it covers them. When it does not, or it failed while evaluating more than was needed (an
 * image no reference names), they are evaluated again, alone.
 */
async function tagsOfNeeded(
  session: Session,
  speculative: readonly ResolvedImage[],
  evaluation: Evaluation,
  needed: readonly ResolvedImage[],
): Promise<{ tags: ExpectedTags; inputs: InputSet; cached: boolean }> {
  const outcome = await evaluation.tagsFor(needed).then(
    (tags) => ({ tags }),
    (error: unknown) => ({ error }),
  );
  if ('tags' in outcome && outcome.tags !== undefined) {
    return { tags: outcome.tags, inputs: await evaluation.inputs(), cached: evaluation.cached };
  }
  if ('error' in outcome && sameKeys(speculative, needed)) throw outcome.error;
  evaluation.cancel();
  const retry = startEvaluation(session, needed);
  return { tags: (await retry.tagsFor(needed))!, inputs: await retry.inputs(), cached: retry.cached };
}

const EMPTY: Scan = { images: [], manifests: [], warnings: [] };

/** A symlink's mode in a git tree. */
const SYMLINK = '120000';

/**
 * Evaluates and compares. Nix starts as soon as the images are known (every configured image, or
 * the root default.nix), while the manifests are read; an evaluation nothing turns out to need is
 * cancelled. PATH arguments none of which can matter end it before anything is read.
 */
export async function inspectSession(session: Session): Promise<Inspection> {
  // What the configuration names must be there (before PATH arguments can end the run).
  await checkExpressions(session);
  const globWarnings = await checkGlobs(session);
  const inspection = await inspectConfigured(session);
  const before = globWarnings;
  return before.length === 0 ? inspection : { ...inspection, warnings: [...before, ...inspection.warnings] };
}

async function inspectConfigured(session: Session): Promise<Inspection> {
  const always = { paths: alwaysRead(session) };
  if (!(await pathsCanMatter(session))) {
    return { skipped: true, scan: EMPTY, comparisons: [], warnings: [], tags: new Map(), inputs: always, cached: true };
  }
  const speculative = speculativeImages(session.config, session.images, session.entries);
  const evaluation = startEvaluation(session, speculative);
  try {
    // Reading YAML is main-thread work; started first, it would delay the steps before Nix.
    await evaluation.started;
    const scan = await findReferences(session);
    const needed = referencedImages(scan);
    if (needed.length === 0) {
      // Nothing needs a tag: the references seen are all unmanaged, and still reported.
      const comparisons = compareReferences(scan.manifests, new Map());
      return {
        skipped: false,
        scan,
        comparisons,
        warnings: scan.warnings,
        tags: new Map(),
        inputs: always,
        cached: true,
      };
    }
    const outcome = await tagsOfNeeded(session, speculative, evaluation, needed).catch((error: unknown) => {
      if (!(isNixtagError(error) && error.code === 'NIX_MISSING' && session.config.whenNixMissing === 'warn'))
        throw error;
      return undefined;
    });
    if (outcome === undefined) {
      // A teammate without Nix, in a team that allows it: the managed references pass unjudged.
      const unchecked = scan.manifests.flatMap((entry) => entry.references.filter((found) => found.image)).length;
      const warnings = [...scan.warnings, { file: null, line: null, message: messages.nixMissingWarned(unchecked) }];
      return {
        skipped: false,
        scan,
        comparisons: [],
        warnings,
        tags: new Map(),
        inputs: always,
        cached: true,
        unchecked,
      };
    }
    const { tags, inputs, cached } = outcome;
    const warnings = [...scan.warnings, ...evaluationWarnings(tags)];
    const comparisons = compareReferences(scan.manifests, tags);
    return { skipped: false, scan, comparisons, warnings, tags, inputs, cached };
  } finally {
    evaluation.cancel();
  }
}

/** The result `check` and `fix` report for an inspection. */
export function resultOf(inspection: Inspection, session: Session): CheckResult {
  const references = inspection.comparisons.map((comparison) => comparison.result);
  const commitDependent = [...inspection.tags].filter(([, tag]) => tag.commitDependent).map(([name]) => name);
  const failures = cloneDependenceFailures(inspection.tags);
  const failsHere =
    (commitDependent.length > 0 && session.config.whenCommitDependent === 'fail') || failures.length > 0;
  const moving = [...inspection.tags].filter(([, tag]) => tag.moving !== undefined && !tag.commitDependent);
  // A tag that moves with the time is never the one CI pushes: its digest check fails them all.
  const movesInTime = moving.some(([, tag]) => tag.moving?.kind === 'time');
  const stale = references.filter((reference) => reference.status === 'stale');
  // Stale only for a digest beside a current tag: `check --registry` may find it is the tag's.
  const onlyDigests = stale.length > 0 && stale.every((reference) => reference.digestUnverified === true);
  return {
    ok: stale.length === 0 && !failsHere && !movesInTime,
    ...(onlyDigests && !failsHere && !movesInTime ? { digestsUnverified: true } : {}),
    ...(commitDependent.length > 0 ? { commitDependent } : {}),
    ...(failures.length > 0 ? { failures } : {}),
    ...(moving.length > 0 ? { moving: moving.map(([name]) => name) } : {}),
    references,
    warnings: inspection.warnings,
    evaluated: !inspection.cached,
    judged: session.tree.source.kind,
    ...(inspection.skipped ? { skipped: true } : { manifests: scanCounts(inspection.scan) }),
    ...(inspection.inputs.wholeTree === undefined ? {} : { wholeTreeInputs: inspection.inputs.wholeTree }),
    ...(inspection.unchecked === undefined ? {} : { unchecked: inspection.unchecked }),
    ...(!inspection.skipped && !managesAny(inspection)
      ? { managesNothing: { configured: session.config.images !== undefined } }
      : {}),
  };
}

/**
 * The images whose tag depends on the clone's own `.git`: whatever tag is committed, CI's clone
 * computes another and rejects every deploy, so the run fails whatever `whenCommitDependent` says.
 */
function cloneDependenceFailures(tags: ExpectedTags): ImageFailure[] {
  return [...tags].flatMap(([image, tag]) => {
    if (tag.cloneDependent === undefined) return [];
    const { place } = tag.cloneDependent;
    return [
      {
        image,
        code: 'TAG_CLONE_DEPENDENT' as const,
        message: messages.cloneDependentFailure(image, place && `${place.file}:${place.line}:${place.column}`),
        hint: messages.cloneDependentHint(),
        ...(place === undefined ? {} : { location: place }),
      },
    ];
  });
}

/** Whether any reference read belongs to an image. */
function managesAny(inspection: Inspection): boolean {
  return inspection.scan.manifests.some((entry) => entry.references.some((found) => found.image !== undefined));
}

/**
 * Remembers what this verdict depended on (state/judgements.ts), so that a later tree that
 * differs only elsewhere is answered without a run. Not after a rewrite: the tree judged is gone.
 */
export function rememberJudgement(session: Session, inspection: Inspection, result: CheckResult): void {
  const wrote = result.references.some((reference) => reference.status === 'fixed');
  // A verdict that read the commit holds for that commit, not for its tree.
  const commitBound = [...inspection.tags.values()].some(
    (tag) => tag.commitBound || tag.commitDependent || tag.moving !== undefined,
  );
  if (session.environment === undefined || inspection.skipped || wrote || commitBound) return;
  // A tree that manages nothing, or was not judged (no Nix), is never an answer for later ones:
  // every commit says so until it changes.
  if (result.managesNothing !== undefined || result.unchecked !== undefined) return;
  // A manifest that is a symlink changes when any link on the way, or the file at its end, does
  // (also one skipped, or dangling, this time).
  const links = session.entries.filter((entry) => entry.mode === SYMLINK && session.scopes.has(entry.path));
  const root = links.length === 0 ? '' : realpathSync(session.manifestRoot);
  const targets = links.flatMap((entry) => pathsThrough(root, entry.path));
  const rules = manifestRules(session);
  const { dependsOn } = inspection.scan;
  recordJudgement(session.repository.gitDir, {
    environment: session.environment,
    tree: session.treeId,
    ok: result.ok,
    references: result.references.filter((reference) => reference.status !== 'unmanaged').length,
    // A configuration that is code may read any file: then every file matters.
    inputs: verdictInputs(session, inspection.inputs),
    manifests: [...new Set([...session.scopes.keys(), ...targets, ...(dependsOn?.files ?? [])])],
    inferred: session.config.images === undefined ? inspection.scan.images[0]?.canonical : undefined,
    mentions: spellingsOf(inspection.scan.images),
    ...rules,
    // A chart's templates decide whether its appVersion is a tag: a new or changed one matters.
    globs:
      dependsOn === undefined || dependsOn.globs.length === 0
        ? rules.globs
        : [...(rules.globs ?? []), ...dependsOn.globs],
  });
}
