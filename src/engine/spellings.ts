import { parseImageReference } from '../manifest/reference.js';

const DOCKER_HUB = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/** What an image's spellings are made from (an engine/images.ts ResolvedImage). */
export interface SpelledImage {
  canonical: string;
  repository: string;
  /** Inferred without configuration: looked for by its Docker Hub short name. */
  inferred: boolean;
}

/** How one image is looked for: every spelling that names it, and whether a bare name needs a tag. */
export interface Needles<Image extends SpelledImage = SpelledImage> {
  image: Image;
  spellings: string[];
  /** A Docker Hub name written without registry or `/` (`bash`) is a word too: only `bash:tag` names the image. */
  bare: boolean;
}

/**
 * The spellings of an image's repository, as configured: with the registry when the configuration
 * writes one (in each spelling of Docker Hub's host, `library/` or not), the repository as
 * written when it does not. An image without configuration is looked for by its Docker Hub
 * short name, which also finds it written with a registry.
 */
export function needlesOf<Image extends SpelledImage>(image: Image): Needles<Image> | undefined {
  const { canonical } = image;
  if (canonical === '') return undefined;
  if (!canonical.startsWith('docker.io/')) return { image, spellings: [canonical], bare: false };
  const path = canonical.slice('docker.io/'.length);
  const short = path.replace(/^library\//, '');
  const written = image.inferred ? undefined : parseImageReference(image.repository);
  if (written?.host !== undefined) {
    const paths = [...new Set([path, short])];
    return { image, spellings: DOCKER_HUB.flatMap((host) => paths.map((one) => `${host}/${one}`)), bare: false };
  }
  const spelling = (written?.path ?? short).toLowerCase();
  return { image, spellings: [spelling], bare: !spelling.includes('/') };
}
