import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import {
  defaultImage,
  evaluationKey,
  scanManifests,
  startEvaluation,
  withSession,
  type EngineOptions,
} from './session.js';
import type { HashResult } from '../types.js';

export interface HashOptions extends EngineOptions {
  /** Only this image. */
  image?: string | undefined;
}

/** `nixtag hash`: the tag CI will push for each image. */
export async function hash(options: HashOptions): Promise<HashResult> {
  return withSession({ ...options, paths: undefined }, async (session) => {
    let images = session.images;
    let warnings: string[] = [];
    if (session.config.images === undefined) {
      // Without configuration the root default.nix is the image; its repository, if any, comes
      // from the hash-tagged references.
      const scan = await scanManifests(session, { ...options, paths: undefined });
      images = scan.images.length > 0 ? scan.images : [defaultImage()];
      warnings = scan.warnings;
    }
    if (options.image !== undefined) {
      const known = images.map((image) => image.name);
      images = images.filter((image) => image.name === options.image);
      if (images.length === 0) throw new NixtagError('USAGE', messages.unknownImage(options.image, known));
    }
    const tags = await startEvaluation(session, images).result;
    return {
      images: images.map((image) => {
        const evaluation = tags.get(evaluationKey(image))!;
        warnings.push(...evaluation.warnings);
        return {
          name: image.name,
          nix: image.config.nix,
          attr: image.config.attr,
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
