import { KUSTOMIZATION_FILE, YAML_FILE } from '../manifest/fileNames.js';

export interface ManifestScope {
  /** Image names whose references may be in this file. */
  images: string[];
  /** Named by a glob in the configuration: it must parse. */
  explicit: boolean;
}

/** Helm's `templates/` directories hold Go templates, not YAML: out of the default set. */
function isHelmTemplate(file: string, files: ReadonlySet<string>): boolean {
  if (!file.includes('templates/')) return false;
  const parts = file.split('/');
  for (let index = parts.length - 2; index >= 0; index--) {
    if (parts[index] !== 'templates') continue;
    const chart = [...parts.slice(0, index), 'Chart.yaml'].join('/');
    if (files.has(chart)) return true;
  }
  return false;
}

/** The default manifest set: every tracked `*.yaml` / `*.yml` and `Kustomization`, except Helm templates. */
export function isDefaultManifest(file: string, files: ReadonlySet<string>): boolean {
  return (YAML_FILE.test(file) || KUSTOMIZATION_FILE.test(file)) && !isHelmTemplate(file, files);
}

/**
 * Which tracked files are scanned, and for which images: an image with `manifests` globs looks
 * only in the files they match (and those must parse); one without looks in the default set.
 */
export async function selectManifests(
  files: readonly string[],
  images: ReadonlyArray<{ name: string; manifests?: string[] | undefined }>,
): Promise<Map<string, ManifestScope>> {
  const all = new Set(files);
  // The glob matcher loads only for a configuration that names manifests.
  const picomatch = images.some((image) => image.manifests !== undefined)
    ? (await import('picomatch')).default
    : undefined;
  const matchers = images.map((image) => ({
    name: image.name,
    match:
      image.manifests === undefined || picomatch === undefined ? undefined : picomatch(image.manifests, { dot: true }),
  }));
  const selected = new Map<string, ManifestScope>();
  for (const file of files) {
    const scope: ManifestScope = { images: [], explicit: false };
    for (const { name, match } of matchers) {
      if (match === undefined ? isDefaultManifest(file, all) : match(file)) scope.images.push(name);
      if (match?.(file)) scope.explicit = true;
    }
    if (images.length === 0 && isDefaultManifest(file, all)) selected.set(file, scope);
    else if (scope.images.length > 0) selected.set(file, scope);
  }
  return selected;
}

/** The `manifests` globs that match no tracked file, by image: a typo, or a file never committed. */
export async function unmatchedGlobs(
  files: readonly string[],
  images: ReadonlyArray<{ name: string; manifests?: string[] | undefined }>,
): Promise<Array<{ image: string; glob: string }>> {
  const named = images.filter((image) => image.manifests !== undefined);
  if (named.length === 0) return [];
  const picomatch = (await import('picomatch')).default;
  return named.flatMap((image) =>
    image.manifests!.flatMap((glob) => {
      const match = picomatch(glob, { dot: true });
      return files.some((file) => match(file)) ? [] : [{ image: image.name, glob }];
    }),
  );
}
