import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../../errors.js';
import { messages, type DoctorDetails } from '../../messages.js';
import {
  explainsFailure,
  IFD_ERROR_LINE,
  RULES,
  trustworthy,
  type DoctorContext,
  type FindingCode,
  type ImageEvidence,
} from './rules.js';
import { nixError, tracePosition, type Hit, type SourceScanner } from './scan.js';
import { compareVersions } from './version.js';

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
}

type Place = Omit<Hit, 'text'> | { file: string; line: null; column: null };

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
  for (const image of evidence) {
    const fired = new Set<FindingCode>();
    let subject = image;
    for (const rule of RULES) {
      const hits =
        rule.construct === undefined
          ? []
          : (await scanner.hits(image.files, rule.construct)).filter((hit) => rule.counts?.(hit.text, context) ?? true);
      if (!rule.fires(subject, context, hits.length > 0)) continue;
      fired.add(rule.code);
      if (rule.code === 'nondeterministic') subject = trustworthy(image, true);
      const trace = tracePosition(
        image.failure ?? image.probeFailures.importFromDerivation ?? '',
        base,
        IFD_ERROR_LINE,
      );
      const places: Place[] =
        hits.length > 0 ? hits : trace !== undefined ? [trace] : [{ file: image.nix, line: null, column: null }];
      for (const place of places) {
        const key = JSON.stringify([rule.code, place.file, place.line]);
        const found = byPlace.get(key);
        if (found !== undefined) {
          if (!found.images.includes(image.image)) found.images.push(image.image);
          continue;
        }
        byPlace.set(key, {
          code: rule.code,
          file: place.file,
          line: place.line,
          column: place.column,
          images: [image.image],
          message: '',
          fix: messages.doctor[rule.code].fix,
          differsFromCi: rule.differsFromCi(context),
        });
      }
    }
    if (image.failure !== undefined && ![...fired].some(explainsFailure)) {
      throw new NixtagError('NIX_EVAL_FAILED', messages.nixEvalFailed(image.nix), {
        location: { file: image.nix },
        detail: nixError(image.failure),
        hint: messages.nixEvalHint(),
      });
    }
  }
  for (const finding of byPlace.values()) {
    finding.message = messages.doctor[finding.code].message(finding.images, details);
  }
  return [...byPlace.values()];
}

/** The local Nix against the `nixVersion` CI runs, pointing at that key in the configuration. */
export async function nixVersionFinding(
  version: string,
  ci: string,
  session: { configFile: string | undefined; repository: { root: string } },
): Promise<Finding | undefined> {
  const order = compareVersions(version, ci);
  if (order === 0) return undefined;
  const file = session.configFile ?? 'package.json';
  const text = await readFile(path.join(session.repository.root, file), 'utf8').catch(() => '');
  const index = text.split('\n').findIndex((line) => /\bnixVersion\b/.test(line));
  const { message, fix } = messages.doctor.nixVersion;
  return {
    code: 'nixVersion',
    file,
    line: index === -1 ? null : index + 1,
    column: index === -1 ? null : text.split('\n')[index]!.search(/nixVersion/) + 1,
    images: [],
    message: message([], { local: version, ci, newer: order > 0 }),
    fix,
    differsFromCi: false,
  };
}
