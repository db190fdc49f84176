import path from 'node:path';
import { baseSettings, expectedTags } from '../engine/evaluation.js';
import { defaultImage } from '../engine/images.js';
import { isDefaultManifest } from '../engine/manifestSet.js';
import { withSession, type Session } from '../engine/session.js';
import { installableText } from '../nix/flakeInstallable.js';
import { flakePackages } from '../nix/flakeOutputs.js';
import { storePathHashPart } from '../nix/storePath.js';
import { headOf } from '../tree/checkoutRepository.js';
import { isNixtagError } from '../errors.js';
import { parseImageReference } from '../manifest/reference.js';
import type { Warning } from '../types.js';

/**
 * A tracked Nix file and what it evaluated to on its own, as `nix-instantiate FILE` would call it;
 * or an image output of a flake (`flake` its installable, `file` its flake.nix).
 */
export interface FoundExpression {
  file: string;
  flake?: string | undefined;
  /** The output path when it is one derivation; undefined otherwise. */
  outPath?: string | undefined;
  tag?: string | undefined;
  /** The derivation's own `imageTag` (a Nix hash or not) and `imageName` attributes, where it has them. */
  imageTag?: string | undefined;
  imageName?: string | undefined;
  /** Why it is not an image (not a derivation, needs arguments, failed): Nix's first line. */
  why?: string | undefined;
}

/** An image reference in tracked YAML, whatever its tag. */
export interface FoundImageReference {
  file: string;
  line: number;
  column: number;
  current: string;
  /** The repository as written (`registry/name`), and registry-normalised. */
  repository: string;
  canonical: string;
  tag: string | undefined;
}

export interface Discovery {
  root: string;
  configFile: string | undefined;
  expressions: FoundExpression[];
  references: FoundImageReference[];
  warnings: Warning[];
}

/** At most this many Nix files are evaluated, the shallowest first (a `default.nix` before others). */
const MAX_EXPRESSIONS = 24;
const CONCURRENCY = 2;

function candidateOrder(a: string, b: string): number {
  const depth = (file: string) => file.split('/').length;
  const named = (file: string) => (path.posix.basename(file) === 'default.nix' ? 0 : 1);
  return depth(a) - depth(b) || named(a) - named(b) || a.localeCompare(b);
}

/**
 * What `nixtag init` looks at: the tracked `*.nix` files that evaluate to a derivation (with the
 * same engine as check: the tracked tree checked out as CI sees it, the pin, the target system)
 * and every image reference in tracked YAML, whatever its tag.
 */
export async function discover(cwd: string): Promise<Discovery> {
  return withSession({ cwd, cache: false, reverify: false }, {}, async (session) => {
    const files = session.entries.map((entry) => entry.path);
    // A flake.nix is a flake: its image outputs are listed below, not called as an expression.
    const nixFiles = files
      .filter((file) => file.endsWith('.nix') && path.posix.basename(file) !== 'flake.nix')
      .sort(candidateOrder)
      .slice(0, MAX_EXPRESSIONS);
    const expressions: FoundExpression[] = await flakeImages(session, files);
    for (let start = 0; start < nixFiles.length; start += CONCURRENCY) {
      const batch = nixFiles.slice(start, start + CONCURRENCY).map(async (file): Promise<FoundExpression> => {
        const image = defaultImage(file, '');
        image.config = { ...image.config, nix: file };
        try {
          const tags = await expectedTags(session, [image]);
          const evaluation = tags.get(file)!;
          return {
            file,
            outPath: evaluation.outPath,
            tag: evaluation.tag,
            imageTag: evaluation.imageTag,
            imageName: evaluation.imageName,
          };
        } catch (error) {
          if (isNixtagError(error) && error.code === 'NIX_MISSING') throw error;
          const why = isNixtagError(error) ? (error.detail ?? error.message) : String(error);
          return { file, why: firstErrorLine(why) };
        }
      });
      expressions.push(...(await Promise.all(batch)));
    }
    const { readManifests } = await import('../manifest/read.js');
    const all = new Set(files);
    const yaml = files.filter((file) => isDefaultManifest(file, all) && !session.configFiles.includes(file));
    const warnings: Warning[] = [];
    const read = await readManifests(
      session.manifestRoot,
      yaml.map((file) => [file, { explicit: false }] as const),
      warnings,
      session.scans,
    );
    session.scans?.save();
    const references = read.flatMap(({ file, references: found }) =>
      found.flatMap((reference): FoundImageReference[] => {
        const { occurrence } = reference;
        if (reference.canonical === undefined) return [];
        const written = occurrence.repository ?? parseImageReference(reference.current);
        const repository =
          typeof written === 'string' ? written : written?.host ? `${written.host}/${written.path}` : written?.path;
        if (repository === undefined) return [];
        const { line, column } = occurrence.position;
        const base = { file, line, column, current: reference.current, repository };
        return [{ ...base, canonical: reference.canonical, tag: reference.tag }];
      }),
    );
    return { root: session.repository.root, configFile: session.configFile, expressions, references, warnings };
  });
}

/** At most this many flakes are listed, the shallowest first. */
const MAX_FLAKES = 8;

/**
 * The image outputs of the tracked flakes (`packages.<system>.*` that look like images), each as
 * the installable to configure; a flake that cannot be listed says why, as an expression would.
 */
async function flakeImages(session: Session, files: readonly string[]): Promise<FoundExpression[]> {
  const flakeFiles = files
    .filter((file) => path.posix.basename(file) === 'flake.nix')
    .sort(candidateOrder)
    .slice(0, MAX_FLAKES);
  if (flakeFiles.length === 0) return [];
  const directories = flakeFiles.map((file) => (file === 'flake.nix' ? '' : path.posix.dirname(file)));
  const root = await session.intactCheckout();
  try {
    const listed = await flakePackages(root, headOf(root) ?? 'HEAD', directories, baseSettings(session.config));
    return listed.flatMap((packages, index) =>
      packages
        .filter((found) => found.image && found.outPath !== undefined)
        .map((found) => ({
          file: flakeFiles[index]!,
          flake: installableText(directories[index]!, [found.name]),
          outPath: found.outPath,
          tag: storePathHashPart(found.outPath!),
          imageTag: found.imageTag,
          imageName: found.imageName,
        })),
    );
  } catch (error) {
    if (isNixtagError(error) && error.code === 'NIX_MISSING') throw error;
    const why = isNixtagError(error) ? (error.detail ?? error.message) : String(error);
    return flakeFiles.map((file) => ({ file, why: firstErrorLine(why) }));
  }
}

/** The line of Nix's message that says what went wrong. */
function firstErrorLine(text: string): string {
  const lines = text.split('\n').map((line) => line.trim());
  return (lines.find((line) => line.startsWith('error:')) ?? lines.find((line) => line !== '') ?? text).slice(0, 200);
}
