// zod's v3 API, shipped in the same package: it loads in a quarter of v4's time, and this runs
// on every commit.
import { z } from 'zod/v3';
import path from 'node:path';
import { canonicalRepository } from '../manifest/reference.js';
import { flakeFile, parseInstallable } from '../nix/flakeInstallable.js';
import { messages } from '../messages.js';

/**
 * A path (or glob) the configuration names is read from the judged tree: it must stay inside the
 * repository (no absolute path, no `..` out of it), or a hook would read and print any file.
 */
function insideRepository(value: string): boolean {
  if (value.includes('\0') || value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || value.startsWith('\\'))
    return false;
  const normal = path.posix.normalize(value.replaceAll('\\', '/'));
  return normal !== '..' && !normal.startsWith('../');
}

const repositoryPath = (expected: string) => z.string().min(1).refine(insideRepository, { message: expected });

/** `--argstr` for strings; numbers and booleans as `--arg`; `{ expr }` for any Nix expression. */
const argValue = z.union([z.string(), z.number(), z.boolean(), z.object({ expr: z.string() }).strict()]);

const installable = z.string().superRefine((value, context) => {
  const parsed = parseInstallable(value);
  if ('error' in parsed) context.addIssue({ code: 'custom', message: parsed.error });
});

const imageSchema = z
  .object({
    name: z.string().min(1, messages.expect.name),
    /** Absent: default.nix, unless the image is a flake output. */
    nix: repositoryPath(messages.expect.fileInRepository).optional(),
    /** A flake output instead of an expression file: an installable (`.#image`, `./dir#image`). */
    flake: installable.optional(),
    attr: z.string().nullable().default(null),
    args: z.record(z.string().regex(/^[A-Za-z_][\w'-]*$/, messages.expect.nixIdentifier), argValue).default({}),
    repository: z.string().refine((value) => canonicalRepository(value) !== undefined, {
      message: messages.expect.repository,
    }),
    manifests: z.array(repositoryPath(messages.expect.globInRepository)).min(1).optional(),
    tagFrom: z.enum(['outPath', 'imageTag']).default('outPath'),
    /** No reference yet is not an error: the image may be absent from the manifests. */
    optional: z.boolean().default(false),
  })
  .strict()
  .superRefine((image, context) => {
    if (image.flake === undefined) return;
    // A flake output is named by the installable alone: nothing is called with arguments.
    for (const key of ['nix', 'attr', 'args'] as const) {
      const given = key === 'args' ? Object.keys(image.args).length > 0 : image[key] != null;
      if (given) context.addIssue({ code: 'custom', path: [key], message: messages.expect.notWithFlake(key) });
    }
  })
  .transform(({ nix, flake, ...image }): typeof image & { nix: string; flake?: string } => {
    if (flake === undefined) return { ...image, nix: nix ?? 'default.nix' };
    const parsed = parseInstallable(flake);
    // The flake's own file stands for the image in messages and as the start of its inputs.
    return { ...image, nix: 'error' in parsed ? 'flake.nix' : flakeFile(parsed.directory), flake };
  });

export const configSchema = z
  .object({
    system: z.string().min(1).default('x86_64-linux'),
    checkoutName: z
      .string()
      .regex(/^[^/\\]+$/, messages.expect.directoryName)
      .refine((name) => name !== '.' && name !== '..', messages.expect.notDotDirectory)
      .default('source'),
    pin: repositoryPath(messages.expect.fileInRepository).default('.nixpkgs-pin.json'),
    allowImportFromDerivation: z.boolean().default(false),
    submodules: z.boolean().default(true),
    /** CI's clone has git-lfs: files tracked by LFS hold their content, not the pointer. */
    lfs: z.boolean().default(false),
    whenCommitDependent: z.enum(['warn', 'fail']).default('warn'),
    nixVersion: z
      .string()
      .regex(/^\d+(\.\d+){0,2}$/, messages.expect.nixVersion)
      .nullable()
      .default(null),
    /** A hook on a machine without Nix (a teammate who builds no images): fail, or warn and pass. */
    whenNixMissing: z.enum(['fail', 'warn']).default('fail'),
    images: z.array(imageSchema).min(1, messages.expect.someImage).optional(),
    evaluation: z
      .object({
        /** Seconds one Nix evaluation may take. */
        timeout: z.number().positive().max(86_400).default(300),
        /** MiB of address space Nix may use; null: no limit. */
        memoryLimit: z.number().int().min(64).nullable().default(null),
        /** Nix restrict-eval: only the checkout, the store, the pin and allowedUris can be read. */
        restrictEval: z.boolean().default(true),
        allowedUris: z.array(z.string().regex(/^\S+$/, messages.expect.uriPrefix)).default([]),
      })
      .strict()
      .default({}),
    registry: z
      .object({ insecure: z.array(z.string()).default([]) })
      .strict()
      .default({ insecure: [] }),
  })
  .strict()
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.images?.forEach((image, index) => {
      if (seen.has(image.name)) {
        context.addIssue({
          code: 'custom',
          path: ['images', index, 'name'],
          message: messages.expect.uniqueName(image.name),
        });
      }
      seen.add(image.name);
    });
  });

export type Config = z.output<typeof configSchema>;
export type ImageConfig = z.output<typeof imageSchema>;

/** The schema inside defaults, optionals, nullables and refinements. */
function unwrapped(schema: z.ZodTypeAny): z.ZodTypeAny {
  let inner = schema;
  for (;;) {
    if (inner instanceof z.ZodEffects) inner = inner.innerType() as z.ZodTypeAny;
    else if (inner instanceof z.ZodDefault) inner = inner.removeDefault() as z.ZodTypeAny;
    else if (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodTypeAny;
    else return inner;
  }
}

/** The keys the configuration allows in the object at `keyPath` (for "did you mean"). */
export function knownKeysAt(keyPath: ReadonlyArray<string | number>): string[] {
  let schema: z.ZodTypeAny | undefined = configSchema;
  for (const step of keyPath) {
    const inner: z.ZodTypeAny = unwrapped(schema);
    if (inner instanceof z.ZodObject) schema = (inner.shape as Record<string, z.ZodTypeAny>)[String(step)];
    else if (inner instanceof z.ZodArray) schema = inner.element as z.ZodTypeAny;
    else if (inner instanceof z.ZodRecord) schema = inner.valueSchema as z.ZodTypeAny;
    else return [];
    if (schema === undefined) return [];
  }
  const inner = unwrapped(schema);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape as Record<string, unknown>) : [];
}
