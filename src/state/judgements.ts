import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mayNameConfiguration } from '../configNames.js';
import { KUSTOMIZATION_FILE, TEMPLATED_VALUES } from '../manifest/fileNames.js';
import { isInput, type InputSet } from '../nix/source/inputSet.js';
import { ensureStateDirectory, statePaths } from './paths.js';

/**
 * The last tree nixtag judged, with what that verdict depended on: the inputs of every image a
 * reference named, the manifests in scope and how new ones are recognised. A later tree that
 * differs from it only in paths none of that covers gets the same verdict (the skip decision,
 * skip/decide.ts), so an idle hook (a README-only commit, lint-staged's second chunk) answers
 * after one `git diff` and no Nix, YAML or configuration, and PATH arguments are narrowed by the
 * same test.
 */
export interface Judgement {
  /** The run environment (state/environment.ts), kept and compared whole: the idle path loads no crypto. */
  environment: string;
  tree: string;
  /** Every managed reference was up to date. */
  ok: boolean;
  /** Managed references counted. */
  references: number;
  inputs: InputSet;
  /** The manifests in scope. */
  manifests: string[];
  /** The `manifests` globs of the configuration, if any image has some. */
  globs?: string[] | undefined;
  /** Some image (or none configured) takes the default manifest set: every YAML file. */
  defaultSet?: boolean | undefined;
  /**
   * The spellings of the managed repositories that a run looks for where an image can be named
   * (manifest/fileNames.ts isMentionPlace), in every file whatever the globs: a file there that
   * names one may be a kustomization that sets the image (a Flux Kustomization's patch), which a
   * run refuses (KUSTOMIZE_PATCH). A changed such file matters when it holds one
   * (skip/canMatter.ts anyNamesImage).
   */
  mentions?: string[] | undefined;
  /**
   * Without configuration, the repository the image was inferred to be: the next run looks for
   * its mentions from the start, before the references say it again.
   */
  inferred?: string | undefined;
}

/**
 * Paths that may hold (or become) nixtag's configuration: package.json, every name of
 * cosmiconfig's search places and their misspellings (configNames.ts; a run without
 * configuration refuses a misspelt one: config/nearMisses.ts), and `.config` itself: a path
 * there is a symlink, a submodule or a file in place of the directory, and changing it changes
 * every search place in it. Symlinks on the way to a search place, and where they lead, are the
 * judgement's inputs (config/load.ts `linkedPaths`).
 */
export const mayConfigure = (file: string): boolean =>
  file === 'package.json' || file === '.config' || mayNameConfiguration(file);
/** What the default manifest set may take in: YAML, and kustomize's extension-less name. */
const MAY_BE_MANIFEST = /(?:\.ya?ml|(?:^|\/)Kustomization)$/i;

const manifestSets = new WeakMap<readonly string[], ReadonlySet<string>>();
/** The judgement's manifests as a set, built once: a diff of many paths costs one lookup each. */
function manifestSet(manifests: readonly string[]): ReadonlySet<string> {
  let set = manifestSets.get(manifests);
  if (set === undefined) manifestSets.set(manifests, (set = new Set(manifests)));
  return set;
}

/**
 * Whether a path that changed since `judgement` could change a verdict: an input, a manifest, a
 * file that may become one or may configure nixtag, or a kustomization (every run reads each one,
 * in the globs or not: what it pulls in, and what its patches set, engine/references.ts).
 * `matchesGlob` answers for configured globs.
 */
export function canMatter(judgement: Judgement, file: string, matchesGlob?: (file: string) => boolean): boolean {
  if (isInput(judgement.inputs, file) || mayConfigure(file) || KUSTOMIZATION_FILE.test(file)) return true;
  // A templated helmfile or values file is read whatever the globs (engine/charts.ts).
  if (TEMPLATED_VALUES.test(file)) return true;
  if (manifestSet(judgement.manifests).has(file)) return true;
  const byDefault = judgement.defaultSet ?? judgement.globs === undefined;
  if (byDefault && MAY_BE_MANIFEST.test(file)) return true;
  return judgement.globs !== undefined && (matchesGlob?.(file) ?? true);
}

export function readJudgement(gitDir: string): Judgement | undefined {
  try {
    const parsed = JSON.parse(readFileSync(statePaths(gitDir).judgement, 'utf8')) as Partial<Judgement>;
    const valid =
      typeof parsed.environment === 'string' &&
      typeof parsed.tree === 'string' &&
      typeof parsed.ok === 'boolean' &&
      typeof parsed.references === 'number' &&
      Array.isArray(parsed.inputs?.paths) &&
      Array.isArray(parsed.manifests) &&
      (parsed.inferred === undefined || typeof parsed.inferred === 'string') &&
      (parsed.mentions === undefined ||
        (Array.isArray(parsed.mentions) && parsed.mentions.every((item) => typeof item === 'string')));
    return valid ? (parsed as Judgement) : undefined;
  } catch {
    return undefined;
  }
}

export function recordJudgement(gitDir: string, judgement: Judgement): void {
  const file = statePaths(gitDir).judgement;
  // With the default set every YAML file matters anyway: listing them (5,000 in a GitOps
  // repository) would only make every idle hook read them.
  const byDefault = judgement.defaultSet ?? judgement.globs === undefined;
  const manifests = byDefault ? judgement.manifests.filter((name) => !MAY_BE_MANIFEST.test(name)) : judgement.manifests;
  try {
    ensureStateDirectory(gitDir, path.dirname(file));
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ ...judgement, manifests }));
    renameSync(temporary, file);
  } catch {
    // Only a speed-up.
  }
}
