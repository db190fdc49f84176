import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages, type DoctorDetails } from '../messages.js';
import {
  explainsFailure,
  IFD_ERROR_LINE,
  RULES,
  trustworthy,
  type DoctorContext,
  type FindingCode,
  type ImageEvidence,
  type MissingSubmodule,
  type Place,
} from './rules.js';
import { nixError, tracePosition, type SourceScanner } from './scan.js';
import { compareVersions } from '../nix/version.js';
import { readOptional } from '../readOptional.js';

export interface Finding {
  code: FindingCode;
  /** The file to change, relative to the repository root, and where in it (null: the file as a whole). */
  file: string;
  line: number | null;
  column: number | null;
  images: string[];
  message: string;
  fix: string;
  /** nixtag's verdict here cannot be CI's: doctor exits 1. */
  differsFromCi: boolean;
  /** For `submoduleMissing`: which submodule, and the commit it lacks. */
  submodule?: MissingSubmodule;
}

/**
 * The findings the evidence fires (rules.ts, in order), one per rule and place, with the images
 * it concerns. An image whose evaluation failed for a reason no finding explains is Nix failing.
 */
export async function findingsOf(
  evidence: readonly ImageEvidence[],
  context: DoctorContext,
  scanner: SourceScanner,
  base: string,
  details: DoctorDetails,
): Promise<Finding[]> {
  const byPlace = new Map<string, Finding>();
  const refusals = new Map<Finding, NonNullable<Place['refusal']>>();
  for (const image of evidence) {
    const fired = new Set<FindingCode>();
    let subject = image;
    for (const rule of RULES) {
      const files = rule.settledInNiv === true ? await scanner.notNivSources(image.files) : image.files;
      const hits =
        rule.find !== undefined
          ? await rule.find(scanner, files)
          : rule.construct === undefined
            ? []
            : (await scanner.hits(files, rule.construct)).filter((hit) => rule.counts?.(hit.text, context) ?? true);
      if (!rule.fires(subject, context, hits.length > 0)) continue;
      fired.add(rule.code);
      if (rule.code === 'nondeterministic' || rule.code === 'checkoutPath') subject = trustworthy(image, true);
      const trace = tracePosition(
        image.failure ?? image.probeFailures.importFromDerivation ?? '',
        base,
        IFD_ERROR_LINE,
      );
      const fixed = rule.places?.(context, image) ?? [];
      const places: readonly Place[] =
        hits.length > 0
          ? hits
          : fixed.length > 0
            ? fixed
            : trace !== undefined
              ? [trace]
              : [{ file: image.nix, line: null, column: null }];
      for (const place of places) {
        const key = JSON.stringify([rule.code, place.file, place.line, place.submodule?.path]);
        const found = byPlace.get(key);
        if (found !== undefined) {
          if (!found.images.includes(image.image)) found.images.push(image.image);
          continue;
        }
        const finding: Finding = {
          code: rule.code,
          file: place.file,
          line: place.line,
          column: place.column,
          images: [image.image],
          message: '',
          fix: '',
          differsFromCi: rule.differsFromCi(context),
          ...(place.submodule === undefined ? {} : { submodule: place.submodule }),
        };
        byPlace.set(key, finding);
        if (place.refusal !== undefined) refusals.set(finding, place.refusal);
      }
    }
    const { failure } = image;
    if (failure !== undefined && ![...fired].some((code) => explainsFailure(code, failure, context))) {
      throw new NixtagError('NIX_EVAL_FAILED', messages.nixEvalFailed(image.nix), {
        location: { file: image.nix },
        detail: nixError(failure),
        hint: messages.nixEvalHint(),
      });
    }
  }
  const readsVersion = [...byPlace.values()].some((finding) => finding.code === 'nixVersionRead');
  for (const finding of byPlace.values()) {
    const refusal = refusals.get(finding);
    const about = {
      ...details,
      readsVersion,
      ...(finding.submodule === undefined ? {} : { submodule: finding.submodule }),
      ...(refusal === undefined ? {} : { refusal }),
    };
    finding.message = messages.doctor[finding.code].message(finding.images, about);
    finding.fix = messages.doctor[finding.code].fix(about);
  }
  return [...byPlace.values()];
}

/**
 * The local Nix against the `nixVersion` CI runs (negative: older here), and where that key is
 * written in the configuration; undefined without the key.
 */
export async function versionAgainstCi(
  version: string,
  ci: string | null,
  session: { configFile: string | undefined; repository: { root: string } },
): Promise<DoctorContext['nixVersion']> {
  if (ci === null) return undefined;
  const file = session.configFile ?? 'package.json';
  const lines = ((await readOptional(path.join(session.repository.root, file))) ?? '').split('\n');
  const index = lines.findIndex((line) => /\bnixVersion\b/.test(line));
  const place =
    index === -1
      ? { file, line: null, column: null }
      : { file, line: index + 1, column: lines[index]!.search(/nixVersion/) + 1 };
  return { order: compareVersions(version, ci), place };
}
