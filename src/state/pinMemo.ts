import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensureStateDirectory, statePaths } from './paths.js';
import { readOptional } from '../readOptional.js';
import { mayMove, memoHolds } from './verifiedMemo.js';

const STORE_PATH = /^\/(?:[^/\0]+\/)+[0-9a-df-np-sv-z]{32}-[^/\0]+$/;

/**
 * The store path each pin was fetched to, so that later runs make no Nix call while the path is
 * still in the store. Keyed by url and sha256: a pin that changes either is fetched again; one whose
 * url may move (a branch's archive), after an hour; any, when the run re-verifies (`--no-cache`).
 */
export function pinMemo(gitDir: string, pin: { url: string; sha256: string }, reverify = false) {
  const key = createHash('sha256')
    // 'verified': fetched once its url's content was checked (engine/evaluation.ts settingsFor).
    .update(JSON.stringify(['verified', pin.url, pin.sha256]))
    .digest('hex')
    .slice(0, 32);
  const file = statePaths(gitDir).pinMemo(key);
  return {
    async get(): Promise<string | undefined> {
      if (!memoHolds(file, mayMove({ url: pin.url }), reverify)) return undefined;
      const remembered = await readOptional(file);
      // Only a store path is believed: anything else in the file is rebuilt by fetching again.
      return remembered !== undefined && STORE_PATH.test(remembered) && existsSync(remembered) ? remembered : undefined;
    },
    async set(storePath: string): Promise<void> {
      try {
        ensureStateDirectory(gitDir, path.dirname(file));
        await writeFile(file, storePath);
      } catch {
        // Only a speed-up: the next run fetches again.
      }
    },
  };
}
