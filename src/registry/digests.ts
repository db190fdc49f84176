import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';

/** The digests `--digest` gave: one for every image, and one per image name. */
export interface ExpectedDigests {
  all?: string | undefined;
  byImage: Record<string, string>;
}

const DIGEST = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

/**
 * Reads `--digest` values: `sha256:…` (the build step's digest, for the one image) or
 * `NAME=sha256:…` (per image, repeatable). Malformed values are bad input, never ignored: an empty
 * digest from a pipeline that failed to export one must not turn the check into a pass.
 */
export function parseDigestOptions(values: readonly string[]): ExpectedDigests {
  const digests: ExpectedDigests = { byImage: {} };
  for (const value of values) {
    const equals = value.indexOf('=');
    const name = equals === -1 ? undefined : value.slice(0, equals);
    const digest = (equals === -1 ? value : value.slice(equals + 1)).trim();
    if (!DIGEST.test(digest))
      throw new NixtagError('USAGE', messages.digestInvalid(value), { hint: messages.digestHint() });
    if (name === undefined) {
      if (digests.all !== undefined && digests.all !== digest)
        throw new NixtagError('USAGE', messages.digestTwice(), { hint: messages.digestHint() });
      digests.all = digest;
    } else {
      if (name === '') throw new NixtagError('USAGE', messages.digestInvalid(value), { hint: messages.digestHint() });
      digests.byImage[name] = digest;
    }
  }
  return digests;
}

/**
 * The digest the references of each image (`images`: those with references) must have. Names must
 * be images nixtag knows, and each digest must be compared with at least one reference; one
 * digest without a name is for a run that manages one image.
 */
export function digestsFor(
  digests: ExpectedDigests,
  images: readonly string[],
  configured: readonly string[],
): Map<string, string> {
  const known = new Set([...configured, ...images]);
  for (const name of Object.keys(digests.byImage)) {
    if (!known.has(name)) throw new NixtagError('USAGE', messages.unknownImage(name, [...known]));
    // A digest compared with nothing would pass what the pipeline meant to check.
    if (!images.includes(name)) throw new NixtagError('USAGE', messages.digestForNothing(name));
  }
  const unnamed = images.filter((image) => digests.byImage[image] === undefined);
  if (digests.all !== undefined && unnamed.length > 1)
    throw new NixtagError('USAGE', messages.digestForWhich(unnamed), { hint: messages.digestHint() });
  if (digests.all !== undefined && unnamed.length === 0)
    throw new NixtagError('USAGE', messages.digestForNothing(undefined));
  const result = new Map(Object.entries(digests.byImage));
  if (digests.all !== undefined) for (const image of unnamed) result.set(image, digests.all);
  return result;
}
