import { NixtagError } from '../errors.js';
import { messages } from '../report/messages.js';
import type { ResolvedImage } from './images.js';
import { evaluateSessionImages, openSession, type EngineOptions } from './session.js';
import type { HashResult } from './types.js';

export interface HashOptions extends EngineOptions {
  /** Only this image. */
  image?: string | undefined;
}

/** `nixtag hash`: the tag CI will push for each image, with no manifest involved. */
export async function hash(options: HashOptions): Promise<HashResult> {
  const session = await openSession({ ...options, paths: undefined });
  let images: ResolvedImage[] = session.images;
  if (images.length === 0 && session.config.images === undefined) {
    // Without configuration and without a hash-tagged reference, the root default.nix is still the image.
    const config = {
      name: 'default',
      nix: 'default.nix',
      attr: null,
      args: {},
      repository: '',
      tagFrom: 'outPath',
    } as const;
    images = [{ name: config.name, repository: '', canonical: '', inferred: true, config }];
  }
  if (options.image !== undefined) {
    images = images.filter((image) => image.name === options.image);
    if (images.length === 0) {
      throw new NixtagError(
        'USAGE',
        messages.unknownImage(
          options.image,
          session.images.map((image) => image.name),
        ),
      );
    }
  }
  const evaluations = await evaluateSessionImages(session, images);
  return {
    images: images.map((image) => {
      const evaluation = evaluations.get(image.name)!;
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
    warnings: [...session.warnings, ...[...evaluations.values()].flatMap((evaluation) => evaluation.warnings)],
  };
}
