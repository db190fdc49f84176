import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { hasNivStructure, isNivSources } from './generated.js';
import type { PinnedFetch } from './pinnedFetches.js';

interface NivSpec {
  type?: unknown;
  url?: unknown;
  sha256?: unknown;
  builtin?: unknown;
}

/**
 * The fetches niv's `sources.nix` (generated.ts: its exact text, or its structure) makes from the `sources.json` beside it, its
 * default: each `tarball` or `file` entry is `builtins.fetchTarball`/`builtins.fetchurl { url;
 * sha256; }` (unless `builtin: false`, a nixpkgs fetcher, which is a derivation), as if written out
 * (pinnedFetches.ts): a url bumped in sources.json with its sha256 kept is answered by the store.
 * `parsed`: the repository files the evaluation parsed, under `root`.
 */
export async function nivFetches(root: string, parsed: readonly string[]): Promise<PinnedFetch[]> {
  const found: PinnedFetch[] = [];
  for (const file of parsed) {
    if (path.posix.basename(file) !== 'sources.nix') continue;
    const text = await readFile(path.join(root, file), 'utf8').catch(() => '');
    // Reformatted niv (nixfmt, a header removed) fetches the same entries (adv15 F9).
    if (!isNivSources(text) && !hasNivStructure(text)) continue;
    const json = path.posix.join(path.posix.dirname(file), 'sources.json');
    const source = await readFile(path.join(root, json), 'utf8').catch(() => undefined);
    let specs: Record<string, NivSpec>;
    try {
      specs = source === undefined ? {} : (JSON.parse(source) as Record<string, NivSpec>);
    } catch {
      continue; // niv's own evaluation reports it
    }
    for (const spec of Object.values(specs)) {
      const kind = spec.type === 'tarball' ? 'tarball' : spec.type === 'file' ? 'file' : undefined;
      if (kind === undefined || spec.builtin === false) continue;
      if (typeof spec.url !== 'string' || typeof spec.sha256 !== 'string') continue;
      const offset = source!.indexOf(JSON.stringify(spec.url));
      const line = offset === -1 ? 1 : source!.slice(0, offset).split('\n').length;
      found.push({ kind, url: spec.url, sha256: spec.sha256, at: `${json}:${line}`, column: 1 });
    }
  }
  return found;
}
