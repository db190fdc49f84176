import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
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

/**
 * Loads configuration with cosmiconfig under the name `nixtag` from `root` only (a hook must not
 * pick up a file from a parent directory that CI never sees), or from `explicitFile` (absolute).
 */
export async function loadConfig(root: string, explicitFile?: string): Promise<LoadedConfig> {
  const explorer = cosmiconfig('nixtag', { searchStrategy: 'none' });
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = explicitFile === undefined ? await explorer.search(root) : await explorer.load(explicitFile);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const file = explicitFile ?? root;
    throw new NixtagError(
      missing ? 'PATH_NOT_FOUND' : 'CONFIG_INVALID',
      messages.configUnreadable(file, (error as Error).message),
      {
        location: { file },
        hint: messages.configHint(),
        cause: error,
      },
    );
  }
  if (found === null) return { config: parseConfig({}, undefined), file: undefined };
  const file = path.relative(root, found.filepath) || found.filepath;
  return { config: parseConfig(found.isEmpty ? {} : found.config, file), file };
}
