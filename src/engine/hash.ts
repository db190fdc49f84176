import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { HashResult, Warning } from '../types.js';
import { evaluationWarnings, expectedTags } from './evaluation.js';
import { defaultImage, zeroConfigSource } from './images.js';
import { findReferences } from './references.js';
import { checkExpressions } from './configMisses.js';
import { withSession, type RunRequest } from './session.js';

export interface HashRequest extends Omit<RunRequest, 'paths'> {
  /** Only this image. */
  image?: string | undefined;
}

/** `nixtag hash`: the tag CI will push for each image. */
export async function hash(request: HashRequest): Promise<HashResult> {
  return withSession({ ...request, paths: undefined }, {}, async (session) => {
    await checkExpressions(session);
    let images = session.images;
    let warnings: Warning[] = [];
    if (session.config.images === undefined) {
      // Without configuration the root default.nix is the image; its repository, if any, comes
      // from the hash-tagged references.
      const scan = await findReferences(session);
      images = scan.images.length > 0 ? scan.images : [defaultImage('default', '', zeroConfigSource(session.entries))];
      warnings = scan.warnings;
    }
    if (request.image !== undefined) {
      const known = images.map((image) => image.name);
      images = images.filter((image) => image.name === request.image);
      if (images.length === 0)
        throw new NixtagError('USAGE', messages.unknownImage(request.image, known), {
          hint: messages.unknownImageHint(),
        });
    }
    const tags = await expectedTags(session, images);
    return {
      images: images.map((image) => {
        const evaluation = tags.get(image.name)!;
        warnings.push(...evaluationWarnings(new Map([[image.name, evaluation]])));
        return {
          name: image.name,
          nix: image.config.nix,
          attr: image.config.attr,
          flake: image.config.flake ?? null,
          installable: evaluation.installable ?? null,
          tagFrom: image.config.tagFrom,
          system: session.config.system,
          outPath: evaluation.outPath,
          hash: evaluation.tag,
          reference: image.repository === '' ? null : `${image.repository}:${evaluation.tag}`,
        };
      }),
      warnings,
    };
  });
}
