import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { EvalSettings } from '../nix/commandLine.js';
import type { ImageEvaluation } from '../nix/evaluate.js';
import type { Moving } from '../nix/source/moving.js';
import type { ComputedFetch, JsonValue, PinnedFetch, WrittenFetch } from '../nix/source/pinnedFetches.js';
import type { Session } from './session.js';
import { markMoving } from './versionReads.js';

/** The string at `value.keys` of the JSON file `value.json` of the checkout `root`; undefined where there is none. */
async function jsonString(
  root: string,
  value: JsonValue,
  files: Map<string, Promise<unknown>>,
): Promise<string | undefined> {
  let parsed = files.get(value.json);
  if (parsed === undefined) {
    parsed = (async () => {
      // A tracked symlink could name any file on the machine: read only inside the tree.
      const target = await realpath(path.join(root, value.json));
      const inside = path.relative(await realpath(root), target);
      if (inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
      return JSON.parse(await readFile(target, 'utf8')) as unknown;
    })().catch(() => undefined);
    files.set(value.json, parsed);
  }
  let found = await parsed;
  for (const key of value.keys) {
    found =
      typeof found === 'object' && found !== null && Object.hasOwn(found, key)
        ? (found as Record<string, unknown>)[key]
        : undefined;
  }
  return typeof found === 'string' ? found : undefined;
}

/**
 * Each image's fetches with the values a JSON file of the checkout gives them read (pinnedFetches.ts):
 * a url or sha256 that is not a string there joins the fetches nixtag cannot verify.
 */
export async function settleFetches(
  root: string,
  written: ReadonlyArray<readonly WrittenFetch[]>,
  computed: ReadonlyArray<readonly ComputedFetch[]>,
): Promise<{ fetches: PinnedFetch[][]; computed: ComputedFetch[][] }> {
  const files = new Map<string, Promise<unknown>>();
  const valueOf = (value: string | JsonValue) =>
    typeof value === 'string' ? Promise.resolve(value) : jsonString(root, value, files);
  const settled = await Promise.all(
    written.map(async (fetches, index) => {
      const known: PinnedFetch[] = [];
      const unknown = [...(computed[index] ?? [])];
      for (const fetch of fetches) {
        const [url, sha256] = await Promise.all([valueOf(fetch.url), valueOf(fetch.sha256)]);
        if (url === undefined || sha256 === undefined) unknown.push({ kind: fetch.kind, at: fetch.at });
        else known.push({ ...fetch, url, sha256 });
      }
      return { known, unknown };
    }),
  );
  return { fetches: settled.map((one) => one.known), computed: settled.map((one) => one.unknown) };
}

/**
 * Each fetch written out with a url and sha256 that is not known to be what it pins is downloaded
 * and compared (nix/pinHash.ts), as the pin is in settingsFor: a store that holds the written
 * sha256's path answered for it in the evaluation. Remembered by kind, url and sha256.
 */
export async function verifyPinnedFetches(
  session: Session,
  root: string,
  fetches: readonly PinnedFetch[],
  settings: EvalSettings,
): Promise<void> {
  if (fetches.length === 0) return;
  const { verifiedMemo } = await import('../state/verifiedMemo.js');
  const { verifyFetchHash } = await import('../nix/pinHash.js');
  const memo = verifiedMemo(session.repository.gitDir, 'fetch', session.reverify);
  const record = ({ kind, url, sha256 }: PinnedFetch) => ({ kind, url, sha256 });
  // The pin file's own pair (`inherit (pin) url sha256;`) was verified before the evaluation (settingsFor).
  const { readPin } = await import('../nix/pin.js');
  const pin = await readPin(path.join(root, session.config.pin), session.config.pin, root).catch(() => undefined);
  const isPin = (fetch: PinnedFetch) =>
    fetch.kind === 'tarball' && fetch.url === pin?.url && fetch.sha256 === pin.sha256;
  for (const fetch of fetches) {
    if (isPin(fetch) || memo.known(record(fetch))) continue;
    await verifyFetchHash(fetch, root, settings);
    await memo.remember(record(fetch));
  }
}

/** Why an image with a pinned fetch whose url the text does not settle is left unjudged. */
const computedMover = (fetch: ComputedFetch): Moving => ({
  kind: 'environment',
  construct: fetch.kind === 'tarball' ? 'builtins.fetchTarball' : 'builtins.fetchurl',
  at: fetch.at,
  computedFetch: true,
});

/**
 * The evaluations with each image that reads a pinned fetch nixtag cannot verify (its url or
 * sha256 computed: pinnedFetches.ts) left unjudged, unless something else already moves it.
 */
export function markComputedFetches(
  evaluations: readonly ImageEvaluation[],
  computed: ReadonlyArray<readonly ComputedFetch[]>,
  names: readonly string[],
): ImageEvaluation[] {
  const movers = evaluations.map((evaluation, index) => {
    const first = computed[index]?.[0];
    return evaluation.moving !== undefined || evaluation.commitDependent === true || first === undefined
      ? undefined
      : computedMover(first);
  });
  return markMoving(evaluations, movers, names);
}
