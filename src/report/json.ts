import type { NixtagError } from '../errors.js';
import type { CheckResult, HashResult, RegistryFinding } from '../types.js';

/** `check --json` / `fix --json`: the contract's fields, in the contract's order (`--registry` adds two). */
export function checkJson(result: CheckResult, registryAsked = false): string {
  return JSON.stringify({
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
    warnings: result.warnings.map(({ file, line, message }) => ({ file, line, message })),
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
  return JSON.stringify({ images: result.images });
}

/** Errors in JSON mode still go to stderr as text, and stdout says what failed for scripts. */
export function errorJson(error: NixtagError): string {
  return JSON.stringify({
    ok: false,
    error: { code: error.code, message: error.message, location: error.location ?? null, hint: error.hint ?? null },
  });
}
