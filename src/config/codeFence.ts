import module from 'node:module';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { userPaths } from '../userPaths.js';

/**
 * Whose a configuration is when it is not the user's own: a commit that is not checked out
 * (`check --rev`, a pushed ref), or the index or working tree of a merge, which holds what another
 * branch brings in.
 */
export type Whose = 'commit' | 'merge';

/** Which files of the judged tree differ from HEAD's (paths relative to the root, `/`-separated). */
export interface ForeignFiles {
  /** Whether `file` is one of them, or lies under one (a submodule whose commit differs). */
  has(file: string): boolean;
  /** None differs: the configuration's code is HEAD's whatever it loads. */
  readonly none: boolean;
}

/** Whether a configuration that is code may run, and what it may not load (engine/trustedConfig.ts). */
export interface CodeTrust {
  readonly whose: Whose;
  /** undefined: its code differs from HEAD's and runs not at all; else the files it must not load. */
  foreign(): Promise<ForeignFiles | undefined>;
}

/** The refusal of `file`: the configuration itself, or (`loaded`) a file its code loads. */
export const refusedCode = (file: string, whose: Whose, loaded = false): NixtagError =>
  new NixtagError(
    'CONFIG_CODE_UNTRUSTED',
    (loaded ? messages.configLoadsForeign : messages.configCodeUntrusted)(userPaths(file), whose),
    {
      location: { file: userPaths(file) },
      hint: messages.configCodeUntrustedHint(whose),
    },
  );

/** Node's in-thread loader hooks (22.15, 23.5 and later), which see every file require and import load. */
type RegisterHooks = (hooks: {
  load: (url: string, context: unknown, next: (url: string, context: unknown) => unknown) => unknown;
}) => { deregister(): void };

/**
 * Runs `load` (a configuration that is code) so that it loads no file of `root` that differs from
 * HEAD's: Node's `require("./images")` loads a file `images` of any name or extension (tried
 * before images.js), so a file HEAD's configuration loads is known only when it is loaded. Each
 * file Node loads under `root` is looked up before it runs; a foreign one is refused, and the
 * refusal stands even where the loader caught it (cosmiconfig retries an import with require).
 * A Node without loader hooks runs the code only when no file differs at all.
 */
export async function fenced<T>(root: string, foreign: ForeignFiles, whose: Whose, load: () => Promise<T>): Promise<T> {
  if (foreign.none) return load();
  const register = (module as unknown as { registerHooks?: RegisterHooks }).registerHooks;
  const real = realpathSync(root);
  if (register === undefined) {
    throw new NixtagError('CONFIG_CODE_UNTRUSTED', messages.configCodeUnwatched(process.version, whose), {
      hint: messages.configCodeUntrustedHint(whose),
    });
  }
  let refused: string | undefined;
  const hooks = register({
    load(url, context, next) {
      if (url.startsWith('file:')) {
        const file = path.relative(real, fileURLToPath(url)).split(path.sep).join('/');
        if (!file.startsWith('../') && !path.isAbsolute(file) && foreign.has(file)) {
          refused ??= file;
          throw refusedCode(file, whose, true);
        }
      }
      return next(url, context);
    },
  });
  try {
    const loaded = await load().catch((error: unknown) => {
      if (refused === undefined) throw error;
      return undefined;
    });
    if (refused !== undefined) throw refusedCode(refused, whose, true);
    return loaded as T;
  } finally {
    hooks.deregister();
  }
}
