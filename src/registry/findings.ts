import { readFile } from 'node:fs/promises';
import { z } from 'zod/v3';
import { NixtagError } from '../errors.js';
import { writeFileAtomically } from '../manifest/write.js';
import { messages } from '../messages.js';
import type { CheckResult } from '../types.js';

/**
 * The hand-off between the two steps of the Tekton Task: the step that evaluates the repository
 * (no credentials, confined) writes what `check` found; the step that holds the credentials
 * reads it and asks the registries, opening no repository and loading no configuration. The
 * result's fields as the library types them, and the configured images' names (`--digest NAME=`
 * may name one).
 */
export interface Findings {
  result: CheckResult;
  images: string[];
}

const FORMAT = 'nixtag-findings/1';

const reference = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  image: z.string().nullable(),
  current: z.string(),
  expected: z.string().nullable(),
  status: z.enum(['ok', 'stale', 'fixed', 'unmanaged']),
  digestDropped: z.boolean().optional(),
  digestUnverified: z.boolean().optional(),
  repositoryChanged: z.boolean().optional(),
  tagSuffix: z.object({ suffix: z.string(), file: z.string(), line: z.number().int() }).optional(),
});

const warning = z.object({
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  message: z.string(),
  mention: z.literal(true).optional(),
});

const findingsSchema = z.object({
  format: z.literal(FORMAT),
  images: z.array(z.string()),
  result: z.object({
    ok: z.boolean(),
    references: z.array(reference),
    warnings: z.array(warning),
    skipped: z.boolean().optional(),
    judged: z.enum(['worktree', 'index', 'rev']).optional(),
    managesNothing: z.object({ configured: z.boolean() }).optional(),
    unchecked: z.number().int().optional(),
    commitDependent: z.array(z.string()).optional(),
    digestsUnverified: z.boolean().optional(),
  }),
});

/** Writes what a check found to `file` (whole or not at all), without what a registry said. */
export function writeFindings(file: string, findings: Findings): void {
  const references = findings.result.references.map(({ registry: _registry, ...rest }) => rest);
  const content = JSON.stringify({
    format: FORMAT,
    images: findings.images,
    result: { ...findings.result, references },
  });
  writeFileAtomically(file, `${content}\n`, { createMode: 0o644 });
}

/** Reads a findings file; one that is not there or not of this format is bad input, never a pass. */
export async function readFindings(file: string): Promise<Findings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new NixtagError('FINDINGS_INVALID', messages.findingsUnreadable(file, (error as Error).message), {
      location: { file },
      hint: messages.findingsHint(),
      cause: error,
    });
  }
  let parsed: z.SafeParseReturnType<unknown, z.output<typeof findingsSchema>>;
  try {
    parsed = findingsSchema.safeParse(JSON.parse(text));
  } catch (error) {
    throw new NixtagError('FINDINGS_INVALID', messages.findingsInvalid(file), {
      location: { file },
      detail: (error as Error).message,
      hint: messages.findingsHint(),
    });
  }
  if (!parsed.success) {
    throw new NixtagError('FINDINGS_INVALID', messages.findingsInvalid(file), {
      location: { file },
      detail: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n'),
      hint: messages.findingsHint(),
    });
  }
  return { result: parsed.data.result, images: parsed.data.images };
}
