import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod/v3';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { fetchTarballArgs, type EvalSettings } from './commandLine.js';
import { nixInstantiate } from './nixInstantiate.js';

/** niv's `sources.json` entry fields. */
export const pinSchema = z
  .object({
    url: z.string().min(1),
    sha256: z
      .string()
      .regex(/^[0-9abcdfghijklmnpqrsvwxyz]{52}$|^sha256-[A-Za-z0-9+/]{43}=$/, 'a nix-base32 sha256 (52 characters)'),
    rev: z
      .string()
      .regex(/^[0-9a-f]{40}$/, 'a 40-hex commit')
      .optional(),
    branch: z.string().optional(),
  })
  .passthrough();

export type Pin = z.output<typeof pinSchema>;

/** Reads the pin file; undefined when there is none. */
export async function readPin(file: string, displayFile: string, root?: string): Promise<Pin | undefined> {
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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // Not the parser's message: it quotes the start of the file, which need not be a pin's.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new NixtagError('PIN_INVALID', messages.pinInvalid(displayFile, messages.pinNotJson(at)), {
      location: { file: displayFile },
      hint: messages.pinHint(),
      cause: error,
    });
  }
  const result = pinSchema.safeParse(raw);
  if (!result.success) {
    const detail = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`)
      .join('\n');
    throw new NixtagError('PIN_INVALID', messages.pinInvalid(displayFile, 'fields are missing or malformed'), {
      location: { file: displayFile },
      detail,
      hint: messages.pinHint(),
    });
  }
  return result.data;
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
