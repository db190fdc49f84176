import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { cosmiconfig, defaultLoaders } from 'cosmiconfig';
import type { z } from 'zod/v3';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { configSchema, type Config } from './schema.js';

export interface LoadedConfig {
  config: Config;
  /** The file it came from, relative to the root; undefined with no configuration. */
  file: string | undefined;
}

/** `images[0].repository` from a zod issue path. */
export function keyPath(issuePath: readonly PropertyKey[]): string {
  return issuePath
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** Validates raw configuration; the error names every bad key path and what was expected. */
export function parseConfig(raw: unknown, file: string | undefined): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issues = (result.error as z.ZodError).issues.map(
    (issue) => `${keyPath(issue.path) || '(top level)'}: ${issue.message}`,
  );
  throw new NixtagError('CONFIG_INVALID', messages.configInvalid(file ?? 'configuration'), {
    location: file === undefined ? undefined : { file },
    detail: issues.join('\n'),
    hint: messages.configHint(),
  });
}

/** A configuration file given with --config: read once, for the run environment and for loading. */
export interface ExplicitConfig {
  /** Absolute path. */
  file: string;
  text: string;
}

export async function readExplicitConfig(cwd: string, configFile: string): Promise<ExplicitConfig> {
  const file = path.resolve(cwd, configFile);
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (error) {
    throw unreadable(file, error);
  }
}

function unreadable(file: string, error: unknown): NixtagError {
  const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
  return new NixtagError(
    missing ? 'PATH_NOT_FOUND' : 'CONFIG_INVALID',
    messages.configUnreadable(file, (error as Error).message),
    { location: { file }, hint: messages.configHint(), cause: error },
  );
}

/** Data formats are parsed from the text already read; code (.js, .ts) and package.json through cosmiconfig. */
const DATA_LOADERS: Record<string, keyof typeof defaultLoaders> = {
  '.json': '.json',
  '.yaml': '.yaml',
  '.yml': '.yaml',
  '': 'noExt',
};

/**
 * Loads configuration with cosmiconfig under the name `nixtag` from `root` only (a hook must not
 * pick up a file from a parent directory that CI never sees), or the explicit file.
 */
export async function loadConfig(root: string, explicit?: ExplicitConfig): Promise<LoadedConfig> {
  const explorer = cosmiconfig('nixtag', { searchStrategy: 'none' });
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
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
    throw unreadable(explicit?.file ?? root, error);
  }
  if (found === null) return { config: parseConfig({}, undefined), file: undefined };
  const file = path.relative(root, found.filepath) || found.filepath;
  return { config: parseConfig(found.isEmpty ? {} : found.config, file), file };
}
