import { KUSTOMIZATION_FILE, YAML_FILE } from '../manifest/fileNames.js';
import type picomatchModule from 'picomatch';
import { TreeIndex } from '../treeIndex.js';

type Picomatch = typeof picomatchModule;

const GITLINK = '160000';

export interface ManifestScope {
  /** Image names whose references may be in this file. */
  images: ReadonlySet<string>;
  /** Named by a glob in the configuration: it must parse. */
  explicit: boolean;
}

/** Which manifests a run reads, and the configured globs that match no tracked file. */
export interface ManifestSelection {
  scopes: Map<string, ManifestScope>;
  /** By image, in the configuration's order: a typo, or a file never committed. */
  unmatched: Array<{ image: string; glob: string }>;
}

/** Helm's `templates/` directories hold Go templates, not YAML: out of the default set. */
function isHelmTemplate(file: string, files: { has(file: string): boolean }): boolean {
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
export function isDefaultManifest(file: string, files: { has(file: string): boolean }): boolean {
  return (YAML_FILE.test(file) || KUSTOMIZATION_FILE.test(file)) && !isHelmTemplate(file, files);
}

/** One distinct glob, compiled once, with the images that name it. */
interface Glob {
  match: (file: string) => boolean;
  images: string[];
  matched: boolean;
}

/**
 * The directory a glob's matches all lie at or under (picomatch's own `scan`), so that only the
 * paths there are tested: '' where it cannot say (a negation, a prefix other than `./`, a base
 * with escapes or `.`/`..` segments, which picomatch compares as written).
 */
function baseOf(picomatch: Picomatch, glob: string): string {
  const scanned = picomatch.scan(glob);
  if (scanned.negated || (scanned.prefix !== '' && scanned.prefix !== './')) return '';
  const base = scanned.base.replace(/\/+$/, '');
  const plain = base.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
  return plain && !base.includes('\\') ? base : '';
}

/**
 * The configuration's globs, each compiled once however many images name it, grouped by the
 * directory their matches lie under.
 */
function compileGlobs(
  picomatch: Picomatch,
  images: ReadonlyArray<{ name: string; manifests?: string[] | undefined }>,
): { globs: Map<string, Glob>; byBase: Map<string, Glob[]> } {
  const globs = new Map<string, Glob>();
  const byBase = new Map<string, Glob[]>();
  for (const image of images) {
    for (const glob of image.manifests ?? []) {
      let compiled = globs.get(glob);
      if (compiled === undefined) {
        compiled = { match: picomatch(glob, { dot: true }), images: [], matched: false };
        globs.set(glob, compiled);
        const base = baseOf(picomatch, glob);
        byBase.set(base, [...(byBase.get(base) ?? []), compiled]);
      }
      if (!compiled.images.includes(image.name)) compiled.images.push(image.name);
    }
  }
  return { globs, byBase };
}

/** The positions of the entries at or under `base` ('' for all): two binary searches in the sorted tree. */
function positionsUnder(tree: TreeIndex, base: string): number[] {
  const [from, to] = tree.rangeUnder(base);
  const under = Array.from({ length: to - from }, (_, index) => from + index);
  if (base === '') return under;
  const exact = tree.positionOf(base);
  return exact === undefined ? under : [exact, ...under];
}

/**
 * Which tracked files are scanned, and for which images: an image with `manifests` globs looks
 * only in the files they match (and those must parse); one without looks in the default set.
 * Each distinct glob is compiled once however many images name it and tested only on the paths
 * under its base directory (found by binary search in the sorted tree), the default set's test
 * runs once per file, and the globs that match nothing are found on the way. `excluded` files
 * (the configuration's own) count for the globs but are never manifests. The scopes are in the
 * tree's order.
 */
export async function selectManifests(
  files: TreeIndex | readonly string[],
  images: ReadonlyArray<{ name: string; manifests?: string[] | undefined }>,
  excluded: ReadonlySet<string> = new Set(),
): Promise<ManifestSelection> {
  const tree =
    files instanceof TreeIndex ? files : TreeIndex.of(files.map((file) => ({ mode: '100644', oid: '', path: file })));
  const { entries } = tree;
  // The glob matcher loads only for a configuration that names manifests.
  const picomatch = images.some((image) => image.manifests !== undefined)
    ? (await import('picomatch')).default
    : undefined;
  const { globs, byBase } =
    picomatch === undefined
      ? { globs: new Map<string, Glob>(), byBase: new Map<string, Glob[]>() }
      : compileGlobs(picomatch, images);
  const matches = new Map<number, Glob[]>();
  for (const [base, group] of byBase) {
    for (const position of positionsUnder(tree, base)) {
      const entry = entries[position]!;
      if (entry.mode === GITLINK) continue; // a submodule is never a manifest
      for (const glob of group) {
        if (!glob.match(entry.path)) continue;
        glob.matched = true;
        matches.set(position, [...(matches.get(position) ?? []), glob]);
      }
    }
  }
  const byDefault = images.filter((image) => image.manifests === undefined).map((image) => image.name);
  const takesDefault = images.length === 0 || byDefault.length > 0;
  const tracked = { has: (file: string) => tree.at(file) !== undefined };
  // Files matched by the same globs share one set of image names.
  const shared = new Map<string, ReadonlySet<string>>();
  const scopes = new Map<string, ManifestScope>();
  const candidates = takesDefault ? entries.keys() : [...matches.keys()].sort((a, b) => a - b);
  for (const position of candidates) {
    const { path: file, mode } = entries[position]!;
    if (mode === GITLINK || excluded.has(file)) continue;
    const matching = matches.get(position) ?? [];
    const inDefault = takesDefault && isDefaultManifest(file, tracked);
    if (matching.length === 0 && !inDefault) continue;
    const names = [...(inDefault ? byDefault : []), ...matching.flatMap((glob) => glob.images)];
    const id = names.join('\0');
    let scopeImages = shared.get(id);
    if (scopeImages === undefined) shared.set(id, (scopeImages = new Set(names)));
    scopes.set(file, { images: scopeImages, explicit: matching.length > 0 });
  }
  const unmatched = images.flatMap((image) =>
    (image.manifests ?? []).filter((glob) => !globs.get(glob)!.matched).map((glob) => ({ image: image.name, glob })),
  );
  return { scopes, unmatched };
}
