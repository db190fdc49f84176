import type { NixtagError } from '../errors.js';
import type { CheckResult, HashResult } from '../types.js';

/** `check --json` / `fix --json`: the contract's fields, in the contract's order. */
export function checkJson(result: CheckResult): string {
  return JSON.stringify({
    ok: result.ok,
    references: result.references.map(({ file, line, column, image, current, expected, status }) => ({
      file,
      line,
      column,
      image,
      current,
      expected,
      status,
    })),
    warnings: result.warnings.map(({ file, line, message }) => ({ file, line, message })),
  });
}

export function hashJson(result: HashResult): string {
  return JSON.stringify({ images: result.images });
}

/** Errors in JSON mode still go to stderr as text, and stdout says what failed for scripts. */
export function errorJson(error: NixtagError): string {
  return JSON.stringify({
    ok: false,
    error: { code: error.code, message: error.message, location: error.location ?? null, hint: error.hint ?? null },
  });
}
