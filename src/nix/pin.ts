import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod/v3';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { fetchTarballArgs, prefetchArgs, type EvalSettings } from './commandLine.js';
import { nixInstantiate, nixPrefetchUrl } from './nixInstantiate.js';

/**
 * niv's `sources.json` entry fields. The sha256 in any form `builtins.fetchTarball` takes it:
 * nix-base32 (what nix-prefetch-url prints), base16 (what nix-hash --to-base16 prints) or SRI.
 */
export const pinSchema = z
  .object({
    url: z.string().min(1),
    sha256: z
      .string()
      .regex(
        /^[0-9abcdfghijklmnpqrsvwxyz]{52}$|^[0-9a-fA-F]{64}$|^sha256-[A-Za-z0-9+/]{43}=$/,
        messages.pinSha256Expected(),
      ),
    rev: z
      .string()
      .regex(/^[0-9a-f]{40}$/, messages.pinRevExpected())
      .optional(),
    branch: z.string().optional(),
  })
  .passthrough();

export type Pin = z.output<typeof pinSchema>;

/** A pin file's fields as written, none of them checked yet: what `pin update` starts from. */
export type PinFields = Record<string, unknown>;

/**
 * What `pin update` needs of a pin: an object (whose other fields it keeps), its url, and the rev
 * it replaces with --rev.
 */
export const pinUpdateSchemas = {
  fields: z.object({}).passthrough(),
  url: pinSchema.pick({ url: true }).passthrough(),
  urlAndRev: pinSchema.pick({ url: true, rev: true }).passthrough(),
};

/** The commit a GitHub-style archive URL names (`…/archive/<40 hex>.tar.gz`), if it names one. */
export function revisionInUrl(url: string): string | undefined {
  return /(?:^|[/=])([0-9a-f]{40})(?:\.tar\.gz|\.tar\.xz|\.zip)?(?:[?#]|$)/.exec(url)?.[1];
}

/** A pin whose `rev` is not the commit its url downloads says two things at once: invalid. */
export function checkPinConsistent(pin: Pin, displayFile: string): void {
  const named = revisionInUrl(pin.url);
  if (pin.rev !== undefined && named !== undefined && named !== pin.rev) {
    throw new NixtagError('PIN_INVALID', messages.pinRevMismatch(displayFile, pin.rev, named), {
      location: { file: displayFile },
      hint: messages.pinRevMismatchHint(),
    });
  }
}

/** Reads the pin file, validated; undefined when there is none. */
export async function readPin(file: string, displayFile: string, root?: string): Promise<Pin | undefined> {
  const fields = await readPinFields(file, displayFile, root);
  return fields === undefined ? undefined : checkedPin(pinSchema, fields, displayFile);
}

/**
 * Reads the pin file as JSON without checking its fields (see checkedPin); undefined when there is
 * none. A file that is not JSON is invalid.
 */
export async function readPinFields(file: string, displayFile: string, root?: string): Promise<unknown> {
  let text: string;
  try {
    // A tracked symlink could name any file on the machine: the pin is read only inside the tree.
    if (root !== undefined) {
      const target = await realpath(file);
      const inside = path.relative(await realpath(root), target);
      if (inside.startsWith('..') || path.isAbsolute(inside)) {
        throw new NixtagError('PIN_INVALID', messages.pinInvalid(displayFile, messages.pinOutside()), {
          location: { file: displayFile },
          hint: messages.pinHint(),
        });
      }
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Not the parser's message: it quotes the start of the file, which need not be a pin's.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new NixtagError('PIN_INVALID', messages.pinInvalid(displayFile, messages.pinNotJson(at)), {
      location: { file: displayFile },
      hint: messages.pinHint(),
      cause: error,
    });
  }
}

/** A pin's fields checked by `schema`: each field that does not fit is named (exit 2). */
export function checkedPin<Schema extends z.ZodTypeAny>(
  schema: Schema,
  fields: unknown,
  displayFile: string,
): z.output<Schema> {
  const result = schema.safeParse(fields);
  if (result.success) return result.data as z.output<Schema>;
  const { issues } = result.error;
  const detail = issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('\n');
  const names = [...new Set(issues.map((issue) => issue.path.join('.') || '(top level)'))];
  throw new NixtagError('PIN_INVALID', messages.pinInvalid(displayFile, messages.pinBadFields(names)), {
    location: { file: displayFile },
    detail,
    hint: messages.pinHint(),
  });
}

/**
 * Fetches the pinned nixpkgs and returns its store path, which `<nixpkgs>` then resolves to.
 * `fetchTarball` checks the sha256 and never fetches again once the path is in the store; the
 * engine remembers the answer (state/pinMemo.ts), so this runs once per pin.
 */
export async function fetchPinnedNixpkgs(
  pin: Pin,
  displayFile: string,
  cwd: string,
  settings: EvalSettings,
): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await nixInstantiate(fetchTarballArgs(settings, pin.url, pin.sha256), cwd));
  } catch (error) {
    if (error instanceof NixtagError && /hash mismatch/.test(error.detail ?? '')) {
      throw new NixtagError('PIN_INVALID', messages.pinHashMismatch(displayFile), {
        location: { file: displayFile },
        detail: error.detail,
        hint: messages.pinHashMismatchHint(pin.url),
        cause: error,
      });
    }
    throw error;
  }
  return JSON.parse(stdout) as string;
}

/**
 * Downloads and unpacks `url` with Nix's own prefetch and returns the sha256 (nix-base32) that
 * `fetchTarball` would check (not `unpack`: the file's, as `builtins.fetchurl` checks); a download
 * that fails is a failing service (exit 3).
 */
export async function prefetchTarball(
  url: string,
  cwd: string,
  settings: EvalSettings,
  unpack = true,
): Promise<string> {
  try {
    const { stdout } = await nixPrefetchUrl(prefetchArgs(settings, url, unpack), cwd);
    return stdout.trim().split('\n')[0]!.trim();
  } catch (error) {
    if (error instanceof NixtagError && error.code === 'NIX_EVAL_FAILED') {
      throw new NixtagError('FETCH_FAILED', messages.pinFetchFailed(url), {
        detail: error.detail,
        hint: messages.pinFetchFailedHint(),
        cause: error,
      });
    }
    throw error;
  }
}
