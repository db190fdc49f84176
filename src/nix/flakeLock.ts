import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { narHash } from './narHash.js';
import { toNix32 } from './nix32.js';

/** One input as flake.lock pins it, named by its path from the flake (`flake-parts/nixpkgs-lib`). */
interface LockedInput {
  name: string;
  locked: Record<string, unknown>;
}

/** What a flake's lock tells before any evaluation. */
export interface FlakeLock {
  /** The repository directories of its `path:` inputs inside the repository: inputs of its images. */
  pathInputs: string[];
  inputs: LockedInput[];
}

interface LockNode {
  inputs?: Record<string, string | string[]>;
  locked?: Record<string, unknown>;
}

/** Where the store is, as Nix is told (NIX_STORE_DIR) or by default. */
const storeDirectory = (source: NodeJS.ProcessEnv = process.env) =>
  (source.NIX_STORE_DIR || '/nix/store').replace(/\/+$/, '');

const lockFile = (directory: string) => (directory === '' ? 'flake.lock' : `${directory}/flake.lock`);

function invalid(file: string, message: string, hint: string): NixtagError {
  return new NixtagError('FLAKE_LOCK_INVALID', message, { location: { file }, hint });
}

/**
 * Reads the flake.lock of the flake in `directory` (of the checkout `root`) and refuses what CI
 * could not evaluate the same way: an input the lock does not pin, a `path:` input outside the
 * repository, or one in a local /nix/store that no CI machine has. Inputs a registry named
 * (`original: indirect`) are pinned like any other, so they pass. No lock: nothing to check
 * (Nix refuses a flake with inputs and no lock, naming the input).
 */
export async function readFlakeLock(root: string, directory: string, store = storeDirectory()): Promise<FlakeLock> {
  const file = lockFile(directory);
  let text: string;
  try {
    text = await readFile(path.join(root, file), 'utf8');
  } catch {
    return { pathInputs: [], inputs: [] };
  }
  let lock: { nodes?: Record<string, LockNode>; root?: string };
  try {
    lock = JSON.parse(text) as typeof lock;
  } catch (error) {
    throw invalid(file, messages.flakeLockUnreadable(file, (error as Error).message), messages.flakeLockHint());
  }
  const nodes = lock.nodes ?? {};
  const pathInputs: string[] = [];
  const pinned: PinnedPath[] = [];
  const inputs: LockedInput[] = [];
  // Breadth first from the root: a node's relative `path:` is relative to the flake that names it.
  const queue: Array<{ key: string; name: string; directory: string | undefined }> = [
    { key: lock.root ?? 'root', name: '', directory },
  ];
  const seen = new Set<string>();
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next.key)) continue;
    seen.add(next.key);
    for (const [input, target] of Object.entries(nodes[next.key]?.inputs ?? {})) {
      // `follows` (a list) names a node reached by its own path as well.
      if (typeof target !== 'string') continue;
      const name = next.name === '' ? input : `${next.name}/${input}`;
      const locked = nodes[target]?.locked;
      if (locked === undefined) throw invalid(file, messages.flakeInputUnlocked(file, name), messages.flakeLockHint());
      const inside = pathInput(file, name, locked, next.directory, store);
      if (inside !== undefined) pathInputs.push(inside);
      if (inside !== undefined && typeof locked.narHash === 'string') {
        pinned.push({ name, directory: inside, narHash: locked.narHash });
      }
      inputs.push({ name, locked });
      queue.push({ key: target, name, directory: inside });
    }
  }
  await refuseStalePaths(root, file, directory, pinned);
  return { pathInputs: [...new Set(pathInputs)], inputs };
}

/** A `path:` input inside the repository that the lock pins by content (Nix 2.8 writes a narHash). */
interface PinnedPath {
  name: string;
  directory: string;
  narHash: string;
}

/**
 * Refuses a `path:` input whose pinned narHash is not the checkout's content of its directory: the
 * directory changed and the lock was not updated. Nix 2.8 then evaluates whatever old copy the
 * local store holds, CI's clean store cannot fetch it, and Nix 2.26 locks it anew in memory; none
 * is the committed lock. A directory holding the lock itself (`path:..` from a sub-flake) is left
 * to Nix: its content includes the lock, so no narHash of it can be current.
 */
async function refuseStalePaths(root: string, file: string, flake: string, pinned: readonly PinnedPath[]) {
  const holdsLock = (directory: string) => directory === '' || flake === directory || flake.startsWith(`${directory}/`);
  const checked = pinned.filter((input) => input.narHash.startsWith('sha256-') && !holdsLock(input.directory));
  const current = new Map<string, Promise<string | undefined>>();
  for (const input of checked) {
    if (current.has(input.directory)) continue;
    // A directory the tree lacks is Nix's to report (it cannot fetch the input).
    current.set(
      input.directory,
      narHash(path.join(root, input.directory)).catch(() => undefined),
    );
  }
  for (const input of checked) {
    const actual = await current.get(input.directory);
    if (actual !== undefined && actual !== input.narHash) {
      throw invalid(
        file,
        messages.flakeInputStale(file, input.name, input.directory),
        messages.flakeInputStaleHint(input.name),
      );
    }
  }
}

/** The repository directory of a `path:` input inside it; an error for one outside it. */
function pathInput(
  file: string,
  name: string,
  locked: Record<string, unknown>,
  from: string | undefined,
  store: string,
): string | undefined {
  if (locked.type !== 'path' || typeof locked.path !== 'string') return undefined;
  const given = locked.path;
  if (given.startsWith(`${store}/`)) {
    throw invalid(file, messages.flakeInputInStore(file, name, given), messages.flakeInputOutsideHint());
  }
  if (given.startsWith('/')) {
    throw invalid(file, messages.flakeInputOutside(file, name, given), messages.flakeInputOutsideHint());
  }
  // Relative to a flake that is itself fetched (not in the repository): not the repository's.
  if (from === undefined) return undefined;
  const resolved = path.posix.normalize(path.posix.join(from, given));
  if (resolved === '..' || resolved.startsWith('../')) {
    throw invalid(file, messages.flakeInputOutside(file, name, given), messages.flakeInputOutsideHint());
  }
  return resolved === '.' ? '' : resolved.replace(/\/$/, '');
}

/**
 * The store path a locked input is fetched to, from its narHash: every fetcher stores a tree as a
 * fixed-output path named `source` (Nix's makeFixedOutputPath, recursive sha256).
 */
export function lockedStorePath(narHash: string, store = storeDirectory()): string | undefined {
  const match = /^sha256-([A-Za-z0-9+/]{43}=)$/.exec(narHash);
  if (match === null) return undefined;
  const hex = Buffer.from(match[1]!, 'base64').toString('hex');
  const digest = createHash('sha256').update(`source:sha256:${hex}:${store}:source`).digest();
  const compressed = new Uint8Array(20);
  digest.forEach((byte, index) => (compressed[index % 20]! ^= byte));
  return `${store}/${toNix32(compressed)}-source`;
}
