import fc from 'fast-check';
import picomatch from 'picomatch';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isDefaultManifest, selectManifests } from '../../src/engine/manifestSet.js';

/** Every test of a path against a compiled glob, counted: manifest selection's cost. */
const counter = vi.hoisted(() => ({ calls: 0 }));
vi.mock('picomatch', async (importOriginal) => {
  const real = ((await importOriginal()) as { default: typeof picomatch }).default;
  const counted = (glob: string | string[], options?: picomatch.PicomatchOptions) => {
    const match = real(glob, options);
    return (file: string) => {
      counter.calls++;
      return match(file);
    };
  };
  return { default: Object.assign(counted, real) };
});

afterEach(() => {
  counter.calls = 0;
});

type Images = Array<{ name: string; manifests?: string[] | undefined }>;

/** The selection as it was written before: every image's globs against every file, by picomatch. */
function naive(files: readonly string[], images: Images, excluded: ReadonlySet<string>) {
  const all = new Set(files);
  const scopes = new Map<string, { images: string[]; explicit: boolean }>();
  for (const file of files) {
    if (excluded.has(file)) continue;
    const scope = { images: [] as string[], explicit: false };
    for (const image of images) {
      const match = image.manifests && picomatch(image.manifests, { dot: true });
      if (match ? match(file) : isDefaultManifest(file, all)) scope.images.push(image.name);
      if (match?.(file)) scope.explicit = true;
    }
    if ((images.length === 0 && isDefaultManifest(file, all)) || scope.images.length > 0) scopes.set(file, scope);
  }
  const unmatched = images.flatMap((image) =>
    (image.manifests ?? [])
      .filter((glob) => !files.some((file) => picomatch(glob, { dot: true })(file)))
      .map((glob) => ({ image: image.name, glob })),
  );
  return { scopes, unmatched };
}

/** The selection with each scope's images as a list in the images' order, to compare with `naive`. */
async function selected(files: readonly string[], images: Images, excluded: ReadonlySet<string> = new Set()) {
  const { scopes, unmatched } = await selectManifests(files, images, excluded);
  const order = images.map((image) => image.name);
  const plain = new Map(
    [...scopes].map(([file, scope]) => [
      file,
      { images: order.filter((name) => scope.images.has(name)), explicit: scope.explicit },
    ]),
  );
  return { scopes: plain, unmatched };
}

/** A repository of `count` files: manifests under k8s/, and many more that are not. */
function platform(services: number, count: number): string[] {
  const files = Array.from({ length: services }, (_, index) => `k8s/s${index}.yaml`);
  for (let index = files.length; index < count; index++) {
    files.push(index % 10 === 0 ? `lib/g${index % 7}/config${index}.yaml` : `lib/g${index % 7}/f${index}.go`);
  }
  return files.sort();
}

describe('manifest selection', () => {
  it('calls the matcher at most (distinct globs × candidate paths) times, however many images name a glob', async () => {
    const files = platform(50, 2_000);
    const images = Array.from({ length: 200 }, (_, index) => ({ name: `s${index}`, manifests: ['k8s/**'] }));
    const { scopes, unmatched } = await selectManifests(files, images);
    expect(scopes.size).toBe(50);
    expect(unmatched).toEqual([]);
    // Once per path under the glob's base, never per image: 200 images × 2,000 files were 800,000.
    const candidates = files.filter((file) => file.startsWith('k8s/')).length;
    expect(counter.calls).toBeGreaterThan(0);
    expect(counter.calls).toBeLessThanOrEqual(1 * candidates);
  });

  it('stays within (distinct globs × candidate paths) with globs that can match anywhere', async () => {
    const files = platform(50, 2_000);
    const globs = [['k8s/**'], ['**/config1*.yaml'], ['k8s/s1.yaml', 'lib/**/*.yaml'], ['missing/*.yaml']];
    const images = Array.from({ length: 120 }, (_, index) => ({ name: `i${index}`, manifests: globs[index % 4] }));
    const distinct = new Set(globs.flat()).size;
    const { unmatched } = await selectManifests(files, images, new Set());
    expect(counter.calls).toBeLessThanOrEqual(distinct * files.length);
    // Each image that names the glob matching nothing is told, as before.
    expect(unmatched).toHaveLength(30);
    expect(unmatched[0]).toEqual({ image: 'i3', glob: 'missing/*.yaml' });
  });

  it('selects what testing every image against every file selected', async () => {
    const segment = fc.constantFrom('k8s', 'deploy', 'templates', 'a', '.hidden', 'b c');
    const name = fc.constantFrom('app.yaml', 'values.yml', 'Chart.yaml', 'kustomization.yaml', 'x.json', 'README.md');
    const file = fc
      .tuple(fc.array(segment, { maxLength: 3 }), name)
      .map(([directories, base]) => [...directories, base].join('/'));
    const glob = fc.constantFrom(
      'k8s/**',
      'k8s/*.yaml',
      './k8s/*.yaml',
      '**/*.json',
      'deploy/**/*.y*ml',
      'a/app.yaml',
      'a',
      '!k8s/**',
      '{k8s,deploy}/*.yaml',
      'k8s/{a,b}/**',
      '.hidden/**',
      'b c/*',
      'missing/**',
    );
    const image = fc.record({
      manifests: fc.option(fc.array(glob, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(file, { maxLength: 30 }),
        fc.array(image, { maxLength: 4 }),
        fc.nat(3),
        async (files, specs, excludedCount) => {
          const images = specs.map((spec, index) => ({ name: `i${index}`, ...spec }));
          const excluded = new Set(files.slice(0, excludedCount));
          // In the tree's order, whatever order the paths were given in.
          const sorted = [...files].sort();
          const expected = naive(sorted, images, excluded);
          expect(await selected(files, images, excluded)).toEqual(expected);
          expect([...(await selected([...files].reverse(), images, excluded)).scopes.keys()]).toEqual([
            ...expected.scopes.keys(),
          ]);
        },
      ),
    );
  });
});
