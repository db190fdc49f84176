import type { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { CheckResult, HashResult, RegistryFinding } from '../types.js';

/**
 * JSON.stringify escapes U+0000–U+001F; DEL and the C1 controls (U+0080–U+009F, CSI among
 * them) are escaped too, so that no string from a file name or a tool reaches a terminal raw.
 */
const stringify = (value: unknown) =>
  JSON.stringify(value).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** `check --json` / `fix --json`: the contract's fields, in the contract's order (`--registry` adds two). */
export function checkJson(result: CheckResult, registryAsked = false): string {
  return stringify({
    ok: result.ok,
    references: result.references.map(({ file, line, column, image, current, expected, status, registry }) => ({
      file,
      line,
      column,
      image,
      current,
      expected,
      status,
      ...(registryAsked ? registryJson(registry) : {}),
    })),
    warnings: [
      ...result.warnings.map(({ file, line, message }) => ({ file, line, message })),
      ...(result.managesNothing === undefined
        ? []
        : [{ file: null, line: null, message: messages.nothingManaged(result.managesNothing.configured) }]),
    ],
    // A fix that wrote what it could: what it left, and why (the run exits 2); an image no clone
    // CI makes can give the tag of (exit 1).
    ...(result.refused === undefined && result.failures === undefined
      ? {}
      : {
          errors: [
            ...(result.refused ?? []).map(({ code, file, message, hint }) => ({ code, file, message, hint })),
            ...(result.failures ?? []).map(({ code, location, message, hint }) => ({
              code,
              file: location?.file ?? null,
              ...(location?.line === undefined ? {} : { line: location.line }),
              message,
              hint,
            })),
          ],
        }),
  });
}

/** `--registry` adds `digest` (what the tag names there) and what the registry said. */
function registryJson(finding: RegistryFinding | undefined) {
  if (finding === undefined) return { digest: null, registry: null };
  return {
    digest: finding.digest,
    registry: {
      status: finding.status,
      registry: finding.registry,
      expectedDigest: finding.expected?.digest ?? null,
      error: finding.error ?? null,
    },
  };
}

export function hashJson(result: HashResult): string {
  return stringify({ images: result.images });
}

/** Errors in JSON mode still go to stderr as text, and stdout says what failed for scripts. */
export function errorJson(error: NixtagError): string {
  return stringify({
    ok: false,
    error: {
      code: error.code,
      message: error.message,
      location: error.location ?? null,
      detail: error.detail ?? null,
      hint: error.hint ?? null,
    },
  });
}
