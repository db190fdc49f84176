import path from 'node:path';
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { defaultLoaders, type Loader, type Loaders } from 'cosmiconfig';
import type { z } from 'zod/v3';
import { isNixtagError, NixtagError, type Location } from '../errors.js';
import { messages } from '../messages.js';
import { userPaths } from '../userPaths.js';
import { configExplorer, CONFIG_SEARCH_PLACES } from './explorer.js';
import { configSchema, knownKeysAt, type Config } from './schema.js';
import { configLocator, type ConfigLocator } from './locate.js';
import { closest } from '../suggest.js';
import { refuseNearMisses } from './nearMisses.js';
import { refuseSecondConfiguration } from './secondFile.js';
import { linksThrough } from '../manifest/links.js';
import { fenced, refusedCode, type CodeTrust } from './codeFence.js';

export { refuseNearMisses } from './nearMisses.js';

export interface LoadedConfig {
  config: Config;
  /** The texts of what an explicit configuration outside the repository imports (keyed with it). */
  importedTexts?: string[];
  /** The file it came from, relative to the root; undefined with no configuration. */
  file: string | undefined;
  /** The files it imports (cosmiconfig's `$import`, at any depth), relative to the root. */
  imports: string[];
  /**
   * Where reading the configuration, or looking for it, passes through a symlink: each link
   * (`.config`, a linked rc file or package.json, a link in the middle of a chain or on the way
   * to an import) and where it leads, whether or not a file is there yet; a linked `.config`
   * whole. Inputs of the judgement (`linkedPaths`).
   */
  linked: string[];
}

/** `images[0].repository` from a zod issue path. */
export function keyPath(issuePath: readonly PropertyKey[]): string {
  return issuePath
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** One thing wrong in a configuration: where (the key path) and what was expected. */
interface ConfigIssue {
  keyPath: Array<string | number>;
  /** `key`: the key itself is wrong (unknown); `value`: what it holds. */
  part: 'key' | 'value';
  message: string;
}

/**
 * zod's issues, one per unknown key, each unknown key with the allowed key it is closest to.
 * Unknown keys come first: a misspelt key is the cause of the `Required` its right name then gets.
 */
function configIssues(error: z.ZodError): ConfigIssue[] {
  const issues = error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code !== 'unrecognized_keys') {
      return [
        { keyPath: issue.path, part: 'value', message: `${keyPath(issue.path) || '(top level)'}: ${issue.message}` },
      ];
    }
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const at = [...issue.path, key];
      return { keyPath: at, part: 'key', message: messages.configUnknownKey(keyPath(at), closest(key, known), known) };
    });
  });
  return [...issues.filter((issue) => issue.part === 'key'), ...issues.filter((issue) => issue.part === 'value')];
}

/**
 * The error for an invalid configuration: each issue on its line, at its line:column in the
 * file where `locate` can tell (the first one is the error's location); with a single issue, the
 * message says it too (`--json` carries the message, the location and the detail).
 */
function configError(issues: readonly ConfigIssue[], file: string | undefined, locate?: ConfigLocator): NixtagError {
  const name = file ?? 'configuration';
  const located = issues.map((issue) => ({ issue, location: locate?.(issue.keyPath, issue.part) }));
  const where = (location: Location | undefined) =>
    location?.line === undefined ? '' : `${location.file}:${location.line}:${location.column ?? 1}: `;
  return new NixtagError(
    'CONFIG_INVALID',
    messages.configInvalid(name, issues.length === 1 ? issues[0]!.message : undefined),
    {
      location: located[0]?.location ?? (file === undefined ? undefined : { file }),
      ...(issues.length === 1
        ? {}
        : { detail: located.map(({ issue, location }) => `  ${where(location)}${issue.message}`).join('\n') }),
      hint: messages.configHint(),
    },
  );
}

/** Validates raw configuration; the error names every bad key path and what was expected. */
export function parseConfig(raw: unknown, file: string | undefined): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw configError(configIssues(result.error as z.ZodError), file);
}

/**
 * `parseConfig` for a configuration read from a file: an error locates each issue in `text`
 * (under `nixtag` in package.json).
 */
async function parseConfigFile(raw: unknown, file: string, text: string | undefined): Promise<Config> {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const prefix = path.basename(file) === 'package.json' ? ['nixtag'] : [];
  throw configError(configIssues(result.error as z.ZodError), file, await configLocator(file, text, prefix));
}

/** A configuration file given with --config: read once, for the run environment and for loading. */
export interface ExplicitConfig {
  /** Absolute path. */
  file: string;
  text: string;
}

/**
 * The file as the repository knows it: its directory's real path (a shell's `$PWD` may name the
 * repository through a symlink), so that a file inside the repository is read from the judged
 * tree, never taken for one outside it. Its own name stays: a symlinked file is the tree's entry.
 */
function realDirectory(file: string): string {
  try {
    return path.join(realpathSync(path.dirname(file)), path.basename(file));
  } catch {
    return file;
  }
}

export async function readExplicitConfig(cwd: string, configFile: string): Promise<ExplicitConfig> {
  const file = realDirectory(path.resolve(cwd, configFile));
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (error) {
    throw unreadable(file, error);
  }
}

function unreadable(given: string, error: unknown): NixtagError {
  const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
  // A tree other than the working tree is read in its checkout: name the user's file.
  const file = userPaths(given);
  const why = userPaths((error as Error).message);
  const needsTypeScript = file.endsWith('.ts') && /typescript/i.test(why);
  return new NixtagError(missing ? 'PATH_NOT_FOUND' : 'CONFIG_INVALID', messages.configUnreadable(file, why), {
    location: { file },
    hint: needsTypeScript ? messages.configNeedsTypeScript() : messages.configHint(),
    cause: error,
  });
}

/** The configuration file cosmiconfig would load from `root` (for naming it when loading fails). */
function configFileIn(root: string): string {
  const names = ['package.json', '.nixtagrc', '.nixtagrc.json', '.nixtagrc.yaml', '.nixtagrc.yml', '.nixtagrc.js']
    .concat(['.nixtagrc.ts', '.nixtagrc.mjs', '.nixtagrc.cjs', 'nixtag.config.js', 'nixtag.config.ts'])
    .concat(['nixtag.config.mjs', 'nixtag.config.cjs']);
  const found = names.filter((name) => name !== 'package.json').find((name) => existsSync(path.join(root, name)));
  return path.join(root, found ?? 'package.json');
}

/** Data formats are parsed from the text already read; code (.js, .ts) and package.json through cosmiconfig. */
const DATA_LOADERS: Record<string, keyof typeof defaultLoaders> = {
  '.json': '.json',
  '.yaml': '.yaml',
  '.yml': '.yaml',
  '': 'noExt',
};

/** cosmiconfig's loaders that parse data; every other one (.js, .mjs, .cjs, .ts) runs the file. */
const DATA_LOADER_KEYS = new Set(['.json', '.yaml', '.yml', 'noExt']);

/** How a configuration may be loaded: CI mode (`--ci`) takes data only, never code. */
export interface LoadOptions {
  /** Refuse a configuration file (or a file it imports) that is code: a repository's JavaScript never runs. */
  dataOnly?: boolean | undefined;
  /**
   * With no configuration found, leave the misspelt names to the caller (`refuseNearMisses`), which
   * knows which files git tracks: the working tree holds files CI's clone does not.
   */
  nearMissesLater?: boolean | undefined;
  /**
   * A configuration file that is code runs only as this allows (a commit not checked out, a
   * merge's index: its JavaScript is someone else's until HEAD has it), and loads no file it names.
   */
  codeTrusted?: CodeTrust | undefined;
}

/** The loader for a file that is code when only data may be loaded: it names the file and runs nothing. */
const refuseCode =
  (root: string): Loader =>
  (filepath) => {
    const file = userPaths(path.relative(root, filepath) || filepath);
    throw new NixtagError('CONFIG_IS_CODE', messages.configIsCode(file), {
      location: { file },
      hint: messages.configIsCodeHint(),
    });
  };

/**
 * The loader for a file that is code and not the user's own: it runs only if its code is HEAD's,
 * and loads no file that differs from HEAD's (codeFence.ts).
 */
const guardCode =
  (root: string, loader: Loader, trust: CodeTrust): Loader =>
  async (filepath, content) => {
    const file = path.relative(root, filepath).split(path.sep).join('/') || filepath;
    const foreign = await trust.foreign();
    if (foreign === undefined) throw refusedCode(file, trust.whose);
    return fenced(root, foreign, trust.whose, async () => (await loader(filepath, content)) as unknown);
  };

/** The paths a loaded configuration names under `$import` (in package.json, under `nixtag`). */
function importsNamed(filepath: string, loaded: unknown): string[] {
  const own: unknown =
    path.basename(filepath) === 'package.json' ? (loaded as Record<string, unknown> | null)?.nixtag : loaded;
  if (own === null || typeof own !== 'object' || !Object.hasOwn(own, '$import')) return [];
  const named = (own as { $import: unknown }).$import;
  return (Array.isArray(named) ? named : [named]).filter((item): item is string => typeof item === 'string');
}

/**
 * cosmiconfig's loaders, noting what each file loaded imports (absolute paths, by the absolute
 * path of the importer). An import that is not there is an error: cosmiconfig would take it for
 * an absent search place and go on to the next one, or to no configuration at all.
 */
function recordingLoaders(root: string, imports: Map<string, string[]>, options: LoadOptions): Loaders {
  const wrap =
    (loader: Loader): Loader =>
    async (filepath, content) => {
      const loaded: unknown = await loader(filepath, content);
      const named = importsNamed(filepath, loaded);
      const resolved = named.map((file) => path.resolve(path.dirname(filepath), file));
      const missing = named.find((_, index) => !existsSync(resolved[index]!));
      if (missing !== undefined) {
        // As the user names it: the judged tree's checkout stands for the repository.
        const file = path.relative(root, filepath) || filepath;
        throw new NixtagError('CONFIG_INVALID', messages.configImportMissing(file, missing), {
          location: { file },
          hint: messages.configImportMissingHint(),
        });
      }
      imports.set(path.resolve(filepath), resolved);
      return loaded;
    };
  return Object.fromEntries(
    Object.entries(defaultLoaders).map(([extension, loader]) => [
      extension,
      wrap(
        DATA_LOADER_KEYS.has(extension)
          ? loader
          : options.dataOnly
            ? refuseCode(root)
            : options.codeTrusted
              ? guardCode(root, loader, options.codeTrusted)
              : loader,
      ),
    ]),
  );
}

/** Every file `file` imports, directly or through the files it imports. */
function importClosure(imports: ReadonlyMap<string, readonly string[]>, file: string): string[] {
  const found = new Set<string>();
  const queue = [...(imports.get(file) ?? [])];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (found.has(next) || next === file) continue;
    found.add(next);
    queue.push(...(imports.get(next) ?? []));
  }
  return [...found];
}

/** Where `file` really is, relative to `root`'s real path; undefined when it cannot be resolved (dangling). */
function realRelative(root: string, file: string): string | undefined {
  try {
    return path.relative(realpathSync(root), realpathSync(file));
  } catch {
    return undefined;
  }
}

/**
 * A configuration file that is a symlink is read where it leads: that must be a file of the
 * repository, or this machine reads what CI's clone does not hold (and no verdict is keyed by
 * it), and one that leads nowhere would let cosmiconfig take it for an absent search place
 * and load no configuration at all. Refused with the file named; the path it leads to is not
 * printed (it may be anywhere on this machine).
 */
function refuseEscapingLink(root: string, file: string): void {
  let link: boolean;
  try {
    link = lstatSync(file).isSymbolicLink();
  } catch {
    return; // not there: nothing is read
  }
  const real = link ? realRelative(root, file) : '';
  // An absolute target names this machine's checkout: CI's clone has the link, not the path.
  const absolute = link && path.isAbsolute(readlinkSync(file));
  if (!absolute && real !== undefined && !real.startsWith('..') && !path.isAbsolute(real)) return;
  const named = path.relative(root, file) || file;
  const why = absolute ? 'absolute' : real === undefined ? 'dangling' : 'outside';
  throw new NixtagError('CONFIG_INVALID', messages.configLinkOutside(named, why), {
    location: { file: named },
    hint: messages.configLinkOutsideHint(),
  });
}

/**
 * The files a symlinked configuration file really reads, relative to the root, where they differ
 * from the link's own path: inputs of the judgement as much as the link (state/judgements.ts).
 */
function linkTargets(root: string, files: readonly string[]): string[] {
  return files.flatMap((file) => {
    const real = realRelative(root, path.resolve(root, file));
    const target = real?.split(path.sep).join('/');
    return target === undefined || target === file ? [] : [target];
  });
}

/** Whether `file` (relative to `root`) is a symlink, dangling or not. */
function isLink(root: string, file: string): boolean {
  try {
    return lstatSync(path.join(root, file), { throwIfNoEntry: false })?.isSymbolicLink() === true;
  } catch {
    return false; // a file on the way
  }
}

/** A path and every directory above it: `.config/nixtagrc` is reached through `.config`. */
const onTheWay = (file: string): string[] =>
  file.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));

/**
 * A search place the working tree holds and git does not track (untracked, or ignored), or a
 * symlink git does not track on the way to one (a developer's `.config` link, dangling or not):
 * not in CI's clone, so no configuration (and no error) of its may decide a run.
 */
export function untrackedSearchPlace(root: string, tracked: (file: string) => boolean): string | undefined {
  return (
    CONFIG_SEARCH_PLACES.find((place) => !tracked(place) && existsSync(path.join(root, place))) ??
    [...new Set(SEARCHED.flatMap(onTheWay))].find((file) => !tracked(file) && isLink(root, file))
  );
}

/**
 * Where reading `files` (relative to `root`) passes through a symlink: each link met and the path
 * it reaches, whether or not a file is there yet (repository paths). A change to any of them can
 * change the configuration without touching a name the skip decision watches (configNames.ts):
 * `.config -> conf` reads `conf/nixtagrc`, an empty `.nixtagrc -> conf/rc` is filled, a chain's
 * middle link is retargeted. So they are inputs of the judgement. A link on the way that names
 * an absolute path or leads out of the repository is refused: CI's clone does not have what it
 * leads to, and no judgement could be keyed by it. The path it leads to is not printed.
 */
function linkedPaths(root: string, files: readonly string[]): string[] {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return [];
  }
  return files.flatMap((file) => {
    const walk = linksThrough(realRoot, file);
    if (walk.leaves !== undefined) {
      const { link, why } = walk.leaves;
      const message =
        link === file ? messages.configLinkOutside(file, why) : messages.configPathLinkOutside(link, file, why);
      throw new NixtagError('CONFIG_INVALID', message, {
        location: { file: link },
        hint: link === file ? messages.configLinkOutsideHint() : messages.configPathLinkOutsideHint(),
      });
    }
    if (!walk.linked) return [];
    // A linked `.config` that is the root itself holds every name at the root: all of it counts.
    return walk.reached === '' ? [...walk.passed, ''] : walk.passed;
  });
}

/** `paths` without those under another of them (`conf/nixtagrc` beside `conf`), each once. */
function outermost(paths: readonly string[]): string[] {
  const unique = [...new Set(paths)];
  const covered = (file: string) =>
    unique.some((other) => other !== file && (other === '' || file.startsWith(`${other}/`)));
  return unique.filter((file) => !covered(file));
}

/**
 * Where cosmiconfig looks (relative to the root), with `.config` itself: a linked `.config` holds
 * every name in it, misspelt ones too (nearMisses.ts reads them through the link).
 */
const SEARCHED = [...CONFIG_SEARCH_PLACES, '.config'];

/**
 * Loads configuration with cosmiconfig (explorer.ts) from `root` only, or the explicit file; with
 * `dataOnly`, a file that is code is refused before it runs.
 */
export async function loadConfig(
  root: string,
  explicit?: ExplicitConfig,
  options: LoadOptions = {},
): Promise<LoadedConfig> {
  const imports = new Map<string, string[]>();
  const explorer = configExplorer(recordingLoaders(root, imports, options));
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  if (explicit === undefined)
    for (const place of CONFIG_SEARCH_PLACES) refuseEscapingLink(root, path.join(root, place));
  // Every place the search may look, whether or not it finds anything there: a search place
  // an empty or absent file holds now may be filled through a link later.
  const searched = explicit === undefined ? outermost(linkedPaths(root, SEARCHED)) : [];
  try {
    const loader =
      explicit && path.basename(explicit.file) !== 'package.json' && DATA_LOADERS[path.extname(explicit.file)];
    if (explicit === undefined) found = await explorer.search(root);
    else if (loader) {
      const config: unknown =
        explicit.text.trim() === '' ? undefined : await defaultLoaders[loader](explicit.file, explicit.text);
      found = { config, filepath: explicit.file, isEmpty: config === undefined };
    } else found = await explorer.load(explicit.file);
  } catch (error) {
    if (isNixtagError(error)) throw error;
    throw unreadable(explicit?.file ?? configFileIn(root), error);
  }
  if (found === null) {
    if (!options.nearMissesLater) refuseNearMisses(root);
    return { config: parseConfig({}, undefined), file: undefined, imports: [], linked: searched };
  }
  if (explicit === undefined) refuseSecondConfiguration(root, found.filepath);
  const relative = (absolute: string) => path.relative(root, absolute) || absolute;
  const file = relative(found.filepath);
  const imported = importClosure(imports, path.resolve(found.filepath)).map((absolute) =>
    relative(absolute).split(path.sep).join('/'),
  );
  // A configuration in the repository is read from CI's clone too, which has nothing outside it.
  const outside = (named: string) => named.startsWith('../') || path.isAbsolute(named);
  if (!outside(file)) for (const read of [file, ...imported]) refuseEscapingLink(root, path.resolve(root, read));
  const away = outside(file) ? undefined : imported.find(outside);
  if (away !== undefined) {
    throw new NixtagError('CONFIG_INVALID', messages.configImportOutside(file, userPaths(path.resolve(root, away))), {
      location: { file },
      hint: messages.configImportOutsideHint(),
    });
  }
  const text =
    explicit?.file === path.resolve(found.filepath)
      ? explicit.text
      : await readFile(found.filepath, 'utf8').catch(() => undefined);
  const config = await parseConfigFile(found.isEmpty ? {} : found.config, file, text);
  if (!outside(file)) {
    const read = [file, ...imported];
    const linked = outermost([...searched, ...linkedPaths(root, read)]);
    return { config, file, imports: [...imported, ...linkTargets(root, read)], linked };
  }
  if (imported.length === 0) return { config, file, imports: imported, linked: searched };
  const importedTexts = await Promise.all(imported.map((named) => readFile(path.resolve(root, named), 'utf8')));
  return { config, file, imports: imported, importedTexts, linked: searched };
}
