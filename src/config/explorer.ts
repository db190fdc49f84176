import { getDefaultSearchPlaces, type Loaders } from 'cosmiconfig';
// cosmiconfig's own explorer, without the factory around it (see below). Pinned to 9.0.2 in
// package.json; test/integration/config-sources.test.ts (and every configuration test) fails if this entry point moves.
import { Explorer } from 'cosmiconfig/dist/Explorer.js';

/** What nixtag asks of cosmiconfig: load one file, or search one directory. */
export interface ConfigExplorer {
  search(from: string): Promise<{ config: unknown; filepath: string; isEmpty?: boolean } | null>;
  load(file: string): Promise<{ config: unknown; filepath: string; isEmpty?: boolean } | null>;
}

/**
 * cosmiconfig's explorer for `nixtag`, searching `root` only (a hook must not pick up a file
 * from a parent directory that CI never sees), without its "meta configuration". The factory,
 * `cosmiconfig()`, first reads `package.json#cosmiconfig`, `package.yaml` or `.config/config.*`
 * in the process's working directory, and runs it when it is JavaScript: a repository could
 * redirect the search to a file no judgement is keyed by, or run code when a hook starts. The
 * explorer below is built with the options the factory would give it with no meta configuration.
 */
/** Where cosmiconfig looks for nixtag's configuration, relative to the root, in its order. */
export const CONFIG_SEARCH_PLACES: readonly string[] = getDefaultSearchPlaces('nixtag');

export function configExplorer(loaders: Loaders): ConfigExplorer {
  return new Explorer({
    moduleName: 'nixtag',
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    ignoreEmptySearchPlaces: true,
    cache: false,
    transform: (result: unknown) => result,
    loaders,
    metaConfigFilePath: null,
    mergeImportArrays: true,
    mergeSearchPlaces: true,
    searchStrategy: 'none',
  }) as ConfigExplorer;
}
