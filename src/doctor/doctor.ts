import { rm } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { git } from '../git/git.js';
import { inRepository } from '../git/repository.js';
import { machineSystemArgs, versionArgs, type EvalSettings } from '../nix/commandLine.js';
import { evaluateImages, type ImageEvaluation, type ImageRequest } from '../nix/evaluate.js';
import { nixInstantiate } from '../nix/nixInstantiate.js';
import { userPaths } from '../userPaths.js';
import { baseSettings, expectedTags, requestsFor, settingsFor } from '../engine/evaluation.js';
import { isFlakeImage } from '../engine/flakeEvaluation.js';
import { flakeFindings } from './flakes.js';
import { defaultImage, zeroConfigSource, type ResolvedImage } from '../engine/images.js';
import { findReferences } from '../engine/references.js';
import { withSession, type RunRequest } from '../engine/session.js';
import { planProbes, type Probe } from './probes.js';
import { findingsOf, versionAgainstCi, type Finding } from './findings.js';
import type { DoctorDetails } from '../messages.js';
import type { DoctorContext, ImageEvidence } from './rules.js';
import { readsOutside } from './reads.js';
import { filesInTree, SourceScanner } from './scan.js';
import { placesOfMissing } from './submodules.js';
import { confinedAnswerPlace, placesOfUnclonable } from './refusals.js';
import { nixVersionOf } from '../nix/version.js';

export interface DoctorResult {
  /** No finding makes the local verdict differ from CI's. */
  ok: boolean;
  nix: { version: string; ci: string | null; system: string; machineSystem: string };
  images: string[];
  findings: Finding[];
  /**
   * What each image's evaluation reads outside the repository (doctor/reads.ts): the files Nix
   * parsed there (store paths by their top directory, the pin's marked), and unconfined, every
   * path and URL confinement would refuse. Confined (the default), only the store can be there.
   */
  reads: Array<{ image: string; outside: string[] }>;
}

export type DoctorRequest = Pick<RunRequest, 'cwd' | 'configFile' | 'confinement'>;

/** A pool of two: the machines nixtag runs on are small, and Nix is the cost. */
async function inPool<T>(tasks: Array<() => Promise<T>>, width = 2): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

/**
 * The settings evaluation has in a directory, derived there as for any checkout (the pin read from
 * it, and whatever else the engine ties to the evaluated tree), so every probe evaluates as
 * nixtag would evaluate its copy.
 */
type SettingsAt = (root: string, restrictEval?: boolean) => Promise<EvalSettings>;

type Run = ({ tag: string; holdsCheckoutPath?: boolean } | { failure: string }) & { files: string[] };

async function evaluateOne(request: ImageRequest, settings: EvalSettings, probe?: Probe): Promise<Run> {
  let files: string[] = [];
  try {
    const { evaluations } = await evaluateImages([request], settings, undefined, {
      diagnostics: { readWrite: probe?.readWrite ?? true },
      env: probe?.env,
      onEvaluatedFiles: (parsed) => (files = parsed),
    });
    const [evaluation] = evaluations;
    return { tag: evaluation!.outPath, files, ...(evaluation!.holdsCheckoutPath ? { holdsCheckoutPath: true } : {}) };
  } catch (error) {
    if (error instanceof NixtagError && error.code === 'NIX_EVAL_FAILED') return { failure: error.detail ?? '', files };
    throw error;
  }
}

/** Evidence for one image: its base evaluation (with the files Nix read) against every probe. */
async function gather(
  image: ResolvedImage,
  base: string,
  settingsAt: SettingsAt,
  probes: Probe[],
  reads: DoctorResult['reads'],
) {
  const [request] = await requestsFor(base, [image]);
  const baseSettings = await settingsAt(base);
  const baseRun = await evaluateOne(request!, baseSettings);
  const outside = await readsOutside({
    checkout: base,
    settings: baseSettings,
    // What confinement would refuse, asked only of an evaluation that succeeds unconfined.
    confined:
      'tag' in baseRun && baseSettings.restrict === undefined ? (await settingsAt(base, true)).restrict : undefined,
    parsed: baseRun.files,
    evaluate: (settings) => evaluateImages([request!], settings),
  });
  if (outside.length > 0) reads.push({ image: image.name, outside });
  const evidence: ImageEvidence = {
    image: image.name,
    nix: image.config.nix,
    files: filesInTree(baseRun.files, base),
    failure: 'failure' in baseRun ? baseRun.failure : undefined,
    ...('tag' in baseRun && baseRun.holdsCheckoutPath === true ? { holdsCheckoutPath: true } : {}),
    probes: {},
    probeFailures: {},
  };
  if (!('tag' in baseRun)) return evidence;
  await inPool(
    probes.map((probe) => async () => {
      const [moved] = await requestsFor(probe.root, [image]);
      const settings = await settingsAt(probe.root);
      const run = await evaluateOne(moved!, probe.adjust?.(settings) ?? settings, probe);
      if ('failure' in run) {
        evidence.probes[probe.id] = 'failed';
        evidence.probeFailures[probe.id] = run.failure;
      } else {
        // Store paths name their inputs, not where the tree was: equal paths, equal tags.
        evidence.probes[probe.id] = run.tag === baseRun.tag ? 'same' : 'differs';
      }
    }),
  );
  return evidence;
}

/** An error met while evaluating doctor's copies, naming the user's paths instead of the copies'. */
function inUserPaths(error: unknown): unknown {
  if (!(error instanceof NixtagError)) return error;
  const user = (text: string) => userPaths(text, { doctorCopies: true });
  const { location, hint, detail } = error;
  return new NixtagError(error.code, user(error.message), {
    ...(location === undefined ? {} : { location: { ...location, file: user(location.file) } }),
    ...(hint === undefined ? {} : { hint: user(hint) }),
    ...(detail === undefined ? {} : { detail: user(detail) }),
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
}

async function ask(args: string[], cwd: string): Promise<string> {
  return (await nixInstantiate(args, cwd)).stdout.trim();
}

/**
 * `nixtag doctor`: evaluates each image of the working tree's tracked files in the ways that
 * expose impurity (see probes.ts) and reports each finding (rules.ts) with the line to change.
 */
export async function doctor(request: DoctorRequest): Promise<DoctorResult> {
  return withSession({ ...request, cache: false, reverify: false }, {}, async (session) => {
    const scan = await findReferences(session);
    const images =
      session.config.images !== undefined
        ? session.images
        : scan.images.length > 0
          ? scan.images
          : [defaultImage('default', '', zeroConfigSource(session.entries))];
    // A flake is evaluated pure, as CI evaluates it: its findings are in its text and its lock.
    const fileImages = images.filter((image) => !isFlakeImage(image));
    const flakeImages = images.filter(isFlakeImage);
    // Submodules this clone lacks are a finding, not an error: the rest is evaluated without them.
    const { dir: checkout, missingSubmodules, unclonableSubmodules } = await session.intact();
    const settings = await settingsFor(session, checkout);
    const [versionText, machineSystem] = await Promise.all([
      ask(versionArgs(), checkout),
      ask(machineSystemArgs(), checkout).then((text) => JSON.parse(text) as string),
    ]);
    const manifests = scan.manifests
      .filter((entry) => entry.references.some((found) => found.image !== undefined))
      .map((entry) => entry.file);
    const plan = await planProbes({
      checkout,
      checkoutName: session.config.checkoutName,
      settings,
      machineSystem: machineSystem === settings.system ? undefined : machineSystem,
      imageDirectories: fileImages.map((image) => path.posix.dirname(image.config.nix)),
      manifests,
      refs: (
        await git(['for-each-ref', '--format=%(refname)', 'refs/heads', 'refs/tags'], inRepository(session.repository))
      )
        .split('\n')
        .filter((ref) => ref !== ''),
    });
    try {
      const version = nixVersionOf(versionText);
      const ci = session.config.nixVersion ?? null;
      const context: DoctorContext = {
        pinned: settings.nixpkgs !== undefined,
        allowImportFromDerivation: settings.allowImportFromDerivation,
        nixVersion: await versionAgainstCi(version, ci, session),
        missingSubmodules: await placesOfMissing(checkout, missingSubmodules),
        unclonableSubmodules: await placesOfUnclonable(checkout, unclonableSubmodules),
      };
      const evidence: ImageEvidence[] = [];
      const reads: DoctorResult['reads'] = [];
      // Where the clone lies, as check sees it: its evaluation, with the location probe, in nixtag's
      // checkout. Where check fails or refuses (`<nixpkgs>`, a missing submodule), the findings say why.
      // A ref the repository lacks (GIT_REF_MISSING) fails every probe too: said as check says it.
      const asChecked = await expectedTags(session, fileImages).catch((error: unknown) => {
        if (error instanceof NixtagError && error.code === 'GIT_REF_MISSING') throw error;
        return new Map<string, ImageEvaluation>();
      });
      const settingsAt: SettingsAt = (root, restrictEval) => settingsFor(session, root, restrictEval);
      // The refusals check makes of an image, asked as check asks them (the checkout as materialised:
      // an unclonable submodule is a finding above, not an error here).
      const asCheck = { ...session, checkout: Promise.resolve(checkout) };
      for (const image of fileImages) {
        const found = await gather(image, plan.base, settingsAt, plan.probes, reads);
        const located = asChecked.get(image.name)?.movesWithLocation !== undefined ? { movesWithLocation: true } : {};
        evidence.push({ ...found, ...located, confinedAnswer: await confinedAnswerPlace(asCheck, image) });
      }
      // A flake image has no probes; what concerns the machine and the clone concerns it too.
      for (const image of flakeImages) {
        evidence.push({
          image: image.name,
          nix: image.config.nix,
          files: [],
          failure: undefined,
          probes: {},
          probeFailures: {},
        });
      }
      const details: DoctorDetails = {
        checkoutName: session.config.checkoutName,
        machineSystem,
        system: settings.system,
        manifests,
        local: version,
        ...(ci === null ? {} : { ci, newer: (context.nixVersion?.order ?? 0) > 0 }),
      };
      const findings = [
        ...(await findingsOf(evidence, context, new SourceScanner(plan.base), plan.base, details)),
        ...(flakeImages.length === 0 ? [] : await flakeFindings(checkout, flakeImages, baseSettings(session.config))),
      ];
      return {
        ok: findings.every((finding) => !finding.differsFromCi),
        nix: { version, ci, system: settings.system, machineSystem },
        images: images.map((image) => image.name),
        findings,
        reads,
      };
    } catch (error) {
      throw inUserPaths(error);
    } finally {
      await rm(plan.scratch, { recursive: true, force: true });
    }
  });
}
