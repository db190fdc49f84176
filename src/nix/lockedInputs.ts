import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { lockedInputArgs, type EvalSettings } from './commandLine.js';
import { missingInputs } from './evaluateFlakes.js';
import type { FlakeLock } from './flakeLock.js';
import { nixCommand } from './nixInstantiate.js';

type LockedInput = FlakeLock['inputs'][number];

/** What a lock entry says a fetch gives; the rest of it says what to fetch. */
const GIVEN = ['narHash', 'lastModified', 'revCount'] as const;

/** What fetchTree refuses although a lock entry may hold it (a flake's directory in its source). */
const NOT_FETCHED = new Set<string>([...GIVEN, 'dir']);

/** Nix text for a string holding `text` (`"…"`, with `\`, `"` and `${` escaped). */
const nixString = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${')}"`;

/**
 * The expression that fetches each entry by what names it (url, rev, …), without the narHash
 * that lets a store holding that hash's path answer unfetched, and gives what the fetch found.
 */
function fetchExpression(inputs: readonly LockedInput[]): string {
  const attrs = inputs.map(({ locked }) =>
    Object.fromEntries(Object.entries(locked).filter(([key]) => !NOT_FETCHED.has(key))),
  );
  const given = GIVEN.map((field) => `${field} = got.${field} or null;`).join(' ');
  return `map (attrs: let got = builtins.fetchTree attrs; in { ${given} }) (builtins.fromJSON ${nixString(JSON.stringify(attrs))})`;
}

/**
 * Fetches each of `inputs` (entries of `lockFile`, not `path:` ones) as CI's empty store does and
 * refuses the first whose lock entry is not what it serves (FLAKE_LOCK_INVALID): Nix 2.8 takes a
 * locked input whose narHash names a path already in the store without fetching its rev, so a
 * `rev` edited with the narHash kept evaluates here and fails in CI (`NAR hash mismatch`). A
 * fetch that fails is FLAKE_INPUT_MISSING where the store holds every input (it would answer for
 * what cannot be fetched); where it lacks one, the evaluation fails on it and names it. Nix's fetcher cache keeps what a rev or URL fetched
 * once: an entry `nix flake lock` wrote costs no download.
 */
export async function verifyLockedInputs(
  lockFile: string,
  inputs: readonly LockedInput[],
  cwd: string,
  settings: EvalSettings,
  fresh = false,
): Promise<void> {
  if (inputs.length === 0) return;
  let run;
  try {
    const fetchAll = (ttlZero: boolean) => nixCommand(lockedInputArgs(settings, fetchExpression(inputs), ttlZero), cwd);
    // Fresh (--no-cache): past Nix's tarball cache, so a url that moved is fetched anew; a url that
    // cannot be fetched now (offline, gone) is answered from that cache, as before.
    run = await fetchAll(fresh).catch((error: unknown) =>
      fresh && error instanceof NixtagError && error.code === 'NIX_EVAL_FAILED'
        ? fetchAll(false)
        : Promise.reject(error),
    );
  } catch (error) {
    if (!(error instanceof NixtagError) || error.code !== 'NIX_EVAL_FAILED') throw error;
    // An input this store lacks cannot be answered for here: the evaluation fails on it and names it.
    if ((await missingInputs(cwd, inputs)).length > 0) return;
    throw new NixtagError('FLAKE_INPUT_MISSING', messages.flakeLockedFetchFailed(lockFile), {
      location: { file: lockFile },
      detail: error.detail,
      hint: messages.flakeLockRelockHint(),
      cause: error,
    });
  }
  const found = JSON.parse(run.stdout) as Array<Record<(typeof GIVEN)[number], unknown>>;
  inputs.forEach(({ name, locked }, index) => {
    const got = found[index]!;
    const wrong = GIVEN.filter(
      (field) => locked[field] !== undefined && got[field] !== null && got[field] !== locked[field],
    );
    if (wrong.length === 0) return;
    throw new NixtagError('FLAKE_LOCK_INVALID', messages.flakeLockedMismatch(lockFile, name, wrong), {
      location: { file: lockFile },
      detail: wrong.map((field) => messages.flakeLockedField(field, locked[field], got[field])).join('\n'),
      hint: messages.flakeLockRelockHint(),
    });
  });
}
