// zod's v3 API, shipped in the same package: it loads in a quarter of v4's time, and this runs
// on every commit.
import { z } from 'zod/v3';
import { canonicalRepository } from '../manifest/reference.js';
import { messages } from '../messages.js';

/** `--argstr` for strings; numbers and booleans as `--arg`; `{ expr }` for any Nix expression. */
const argValue = z.union([z.string(), z.number(), z.boolean(), z.object({ expr: z.string() }).strict()]);

const imageSchema = z
  .object({
    name: z.string().min(1, messages.expect.name),
    nix: z.string().min(1).default('default.nix'),
    attr: z.string().nullable().default(null),
    args: z.record(z.string().regex(/^[A-Za-z_][\w'-]*$/, messages.expect.nixIdentifier), argValue).default({}),
    repository: z.string().refine((value) => canonicalRepository(value) !== undefined, {
      message: messages.expect.repository,
    }),
    manifests: z.array(z.string().min(1)).min(1).optional(),
    tagFrom: z.enum(['outPath', 'imageTag']).default('outPath'),
  })
  .strict();

export const configSchema = z
  .object({
    system: z.string().min(1).default('x86_64-linux'),
    checkoutName: z
      .string()
      .regex(/^[^/\\]+$/, messages.expect.directoryName)
      .refine((name) => name !== '.' && name !== '..', messages.expect.notDotDirectory)
      .default('source'),
    pin: z.string().min(1).default('.nixpkgs-pin.json'),
    allowImportFromDerivation: z.boolean().default(false),
    submodules: z.boolean().default(true),
    whenCommitDependent: z.enum(['warn', 'fail']).default('warn'),
    nixVersion: z
      .string()
      .regex(/^\d+(\.\d+){0,2}$/, messages.expect.nixVersion)
      .nullable()
      .default(null),
    images: z.array(imageSchema).min(1, messages.expect.someImage).optional(),
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
