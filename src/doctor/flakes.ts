import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { EvalSettings } from '../nix/commandLine.js';
import { evaluateFlakeImages, parsedRepositoryFiles } from '../nix/evaluateFlakes.js';
import { flakeFile } from '../nix/flakeInstallable.js';
import { readFlakeLock, type FlakeLock } from '../nix/flakeLock.js';
import { flakeReads } from '../nix/source/flakeReads.js';
import { headOf } from '../tree/checkoutRepository.js';
import { flakeRequest } from '../engine/flakeEvaluation.js';
import type { ResolvedImage } from '../engine/images.js';
import type { Finding } from './findings.js';
import type { FindingCode } from './rules.js';
import { nixError, SourceScanner } from './scan.js';

/**
 * What only `--impure` evaluation reads: CI's pure `nix eval` refuses it (`currentSystem`, a
 * `<…>` lookup) or reads nothing (`getEnv`), while `nix build --impure` on a laptop reads the
 * machine's.
 */
const IMPURE = /\b(?:currentSystem|currentTime|getEnv)\b|<[A-Za-z0-9._+-]+(?:\/[A-Za-z0-9._+/-]*)?>/;

/** One finding per code and place, gathering the images it concerns. */
class Findings {
  readonly #byPlace = new Map<string, Finding>();

  add(
    code: FindingCode,
    place: { file: string; line: number | null; column: number | null },
    image: string,
    text: (images: readonly string[]) => { message: string; fix: string },
    differsFromCi: boolean,
  ): void {
    const key = JSON.stringify([code, place.file, place.line]);
    const found = this.#byPlace.get(key);
    if (found !== undefined) {
      if (!found.images.includes(image)) found.images.push(image);
      Object.assign(found, text(found.images));
      return;
    }
    this.#byPlace.set(key, { code, ...place, images: [image], ...text([image]), differsFromCi });
  }

  get all(): Finding[] {
    return [...this.#byPlace.values()];
  }
}

/** Where an input is named in flake.lock (its name as a key), else the file as a whole. */
async function placeOfInput(root: string, file: string, input: string | undefined) {
  const text = await readFile(path.join(root, file), 'utf8').catch(() => '');
  const name = input?.split('/').at(-1);
  const index = name === undefined ? -1 : text.split('\n').findIndex((line) => line.includes(`"${name}"`));
  if (index === -1) return { file, line: null, column: null };
  const line = text.split('\n')[index]!;
  return { file, line: index + 1, column: line.indexOf(`"${name}"`) + 1 };
}

/**
 * Doctor for flake images: the flake is evaluated pure, as CI evaluates it, so what makes its tag
 * differ between a laptop and CI is in its text and its lock: `--impure`-only constructs, reads
 * of the commit (`self.rev`, `dirtyRev`: a dirty tree here has none, CI's clone has one), and
 * inputs CI could not fetch the same (unpinned, outside the repository, a local store path). Each
 * is found in the files Nix parsed for the flake, with file:line.
 */
export async function flakeFindings(
  root: string,
  images: readonly ResolvedImage[],
  settings: EvalSettings,
): Promise<Finding[]> {
  const findings = new Findings();
  const requests = images.map(flakeRequest);
  const directories = [...new Set(requests.map((request) => request.installable.directory))];
  const locks = new Map<string, FlakeLock>();
  for (const directory of directories) {
    const lock = await readFlakeLock(root, directory).catch(async (error: unknown) => {
      if (!(error instanceof NixtagError) || error.code !== 'FLAKE_LOCK_INVALID') throw error;
      const file = error.location?.file ?? flakeFile(directory);
      const input = /input '([^']+)'/.exec(error.message)?.[1];
      for (const request of requests.filter((each) => each.installable.directory === directory)) {
        findings.add(
          'flakeInput',
          await placeOfInput(root, file, input),
          request.name,
          (named) => ({
            message: messages.doctor.flakeInput.message(named, { input: error.message }),
            fix: messages.doctor.flakeInput.fix({}),
          }),
          true,
        );
      }
      return undefined;
    });
    if (lock !== undefined) locks.set(directory, lock);
  }
  const evaluable = requests.filter((request) => locks.has(request.installable.directory));
  let parsed: string[] = [];
  let failure: NixtagError | undefined;
  if (evaluable.length > 0) {
    const head = headOf(root);
    await evaluateFlakeImages(evaluable, root, head ?? 'HEAD', settings, locks, undefined, {
      onEvaluatedFiles: (files) => (parsed = parsedRepositoryFiles(files, directories)),
    }).catch((error: unknown) => {
      if (!(error instanceof NixtagError)) throw error;
      failure = error;
    });
  }
  const scanner = new SourceScanner(root);
  const names = evaluable.map((request) => request.name);
  for (const hit of await scanner.hits(parsed, IMPURE)) {
    for (const name of names) {
      findings.add(
        'flakeImpure',
        hit,
        name,
        (named) => ({
          message: messages.doctor.flakeImpure.message(named, { construct: hit.text }),
          fix: messages.doctor.flakeImpure.fix({}),
        }),
        false,
      );
    }
  }
  for (const file of parsed) {
    const { commit } = flakeReads(await readFile(path.join(root, file), 'utf8').catch(() => ''));
    if (commit === undefined) continue;
    for (const name of names) {
      findings.add(
        'commitId',
        { file, line: commit.line, column: commit.column },
        name,
        (named) => ({
          message: messages.doctor.flakeCommit.message(named, { construct: commit.construct }),
          fix: messages.doctor.commitId.fix({}),
        }),
        true,
      );
    }
  }
  // A failure the text explains (an impure construct pure evaluation refuses) is that finding.
  const caught = failure as NixtagError | undefined;
  if (caught !== undefined && findings.all.length === 0) {
    throw new NixtagError(caught.code, caught.message, {
      ...(caught.location === undefined ? {} : { location: caught.location }),
      detail: nixError(caught.detail ?? ''),
      ...(caught.hint === undefined ? {} : { hint: caught.hint }),
      cause: caught,
    });
  }
  return findings.all;
}
