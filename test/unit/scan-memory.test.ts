import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareReferences, staleChanges } from '../../src/engine/compare.js';
import { imageFor } from '../../src/engine/images.js';
import type { ManifestEntry } from '../../src/engine/manifestEntry.js';
import { isNixtagError } from '../../src/errors.js';
import { readReference, summarize } from '../../src/manifest/resolve.js';
import { rewriteManifest } from '../../src/manifest/rewrite.js';
import { scanManifest, type ScannedManifest } from '../../src/manifest/scan.js';
import { statePaths } from '../../src/state/paths.js';
import { packReference, unpackReference, type PackedReference } from '../../src/state/referenceRows.js';
import { ScanStore } from '../../src/state/scans.js';
import { resolvedImages } from '../helpers/manifests.js';
import { tempDir } from '../helpers/repo.js';

const OLD = 'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0';
const NEW = 'a5s7gw4ll3p0vhf2yq0kxzqv3b1b5b9c';
const images = resolvedImages([{ name: 'app', repository: 'registry.example/app' }]);
const tags = new Map([['app', { name: 'app', outPath: `/nix/store/${NEW}-image`, tag: NEW, warnings: [] }]]);

const text = `kind: Pod
spec:
  containers:
    - image: registry.example/app:${OLD} # first
    - image: docker.io/library/nginx:1.25
    - image: "registry.example/app:${OLD}@sha256:${'a'.repeat(64)}"
`;

function parse(file: string, content: string): ScannedManifest {
  return scanManifest(file, content, true).scanned;
}

/** An entry as a remembered scan gives it: summaries gone through JSON, nothing parsed. */
function remembered(file: string, content: string): ManifestEntry {
  const summaries = parse(file, content)
    .occurrences.map(readReference)
    .filter((reference) => reference !== undefined)
    .map(summarize);
  const stored = JSON.parse(JSON.stringify(summaries)) as typeof summaries;
  return {
    file,
    parsed: undefined,
    target: file,
    readOnly: undefined,
    references: stored.map((reference) => ({ reference, image: imageFor(reference, images) })),
  };
}

describe('a remembered scan', () => {
  it('compares as the parsed manifest does, and rewrites the same once parsed', () => {
    const parsed = parse('pod.yaml', text);
    const live: ManifestEntry = {
      file: 'pod.yaml',
      parsed,
      target: 'pod.yaml',
      readOnly: undefined,
      references: parsed.occurrences
        .map(readReference)
        .filter((reference) => reference !== undefined)
        .map((reference) => ({ reference, image: imageFor(reference, images) })),
    };
    const fromMemory = compareReferences([remembered('pod.yaml', text)], tags);
    const fromParse = compareReferences([live], tags);
    expect(fromMemory.map((comparison) => comparison.result)).toEqual(fromParse.map((comparison) => comparison.result));
    expect(fromMemory.map((comparison) => comparison.result.status)).toEqual(['stale', 'unmanaged', 'stale']);
    const rewritten = rewriteManifest(parsed, staleChanges(parsed, fromMemory));
    expect(rewritten).toBe(rewriteManifest(parsed, staleChanges(parsed, fromParse)));
    expect(rewritten).toContain(`registry.example/app:${NEW} # first`);
    expect(rewritten).toContain(`"registry.example/app:${NEW}"`);
  });

  it('refuses to rewrite a manifest that no longer reads as it was compared', () => {
    const comparisons = compareReferences([remembered('pod.yaml', text)], tags);
    const changed = parse('pod.yaml', `# a line more\n${text}`);
    let error: unknown;
    try {
      staleChanges(changed, comparisons);
    } catch (caught) {
      error = caught;
    }
    expect(isNixtagError(error) && error.code).toBe('WRITE_FAILED');
    expect((error as Error).message).toContain('changed while nixtag was reading');
  });
});

describe('the scan store', () => {
  /** Git's own id of a blob with this content. */
  const hashObject = (content: string) =>
    execFileSync('git', ['hash-object', '--stdin'], { input: content, encoding: 'utf8' }).trim();
  /** A tracked file whose blob holds `content`, and that content as read. */
  const tracked = (file: string, content: string, mode = '100644') => ({
    entry: { mode, oid: hashObject(content), path: file },
    content: Buffer.from(content),
  });
  const a = tracked('a.yaml', 'a: 1\n');
  const link = tracked('link.yaml', 'a.yaml', '120000');
  const entries = [a.entry, link.entry];
  const record = { references: [] };

  it('answers by path, blob id, explicitness and where the file was read; never for a symlink', () => {
    const gitDir = tempDir();
    const store = new ScanStore(gitDir, entries, 'worktree');
    store.remember('a.yaml', false, a.content, record);
    store.remember('link.yaml', false, link.content, record);
    store.save();
    const again = new ScanStore(gitDir, entries, 'worktree');
    expect(again.recall('a.yaml', false)).toEqual(record);
    expect(again.recall('a.yaml', true)).toBeUndefined();
    expect(again.recall('link.yaml', false)).toBeUndefined();
    expect(new ScanStore(gitDir, entries, { checkout: 'one' }).recall('a.yaml', false)).toBeUndefined();
    const edited = [tracked('a.yaml', 'a: 2\n').entry];
    expect(new ScanStore(gitDir, edited, 'worktree').recall('a.yaml', false)).toBeUndefined();
  });

  it('in a checkout, answers for files of the same full checkout, and for files on disk by their stat', () => {
    const gitDir = tempDir();
    const checkout = new ScanStore(gitDir, entries, { checkout: 'one' });
    expect(checkout.epoch).toBe('one');
    checkout.remember('a.yaml', false, a.content, record, checkout.epoch);
    checkout.save();
    expect(new ScanStore(gitDir, entries, { checkout: 'one' }).recall('a.yaml', false, 'one')).toEqual(record);
    expect(new ScanStore(gitDir, entries, { checkout: 'two' }).recall('a.yaml', false, 'two')).toBeUndefined();
    const worktree = new ScanStore(gitDir, entries, 'worktree');
    expect(worktree.epoch).toBeUndefined();
    worktree.remember('a.yaml', false, a.content, record, '1:2:5:100:100');
    worktree.save();
    expect(new ScanStore(gitDir, entries, 'worktree').recall('a.yaml', false, '1:2:5:100:100')).toEqual(record);
    expect(new ScanStore(gitDir, entries, 'worktree').recall('a.yaml', false, '1:2:5:101:101')).toBeUndefined();
  });

  it('remembers nothing for content that is not the blob git hashed (edited since, or converted)', () => {
    const gitDir = tempDir();
    const store = new ScanStore(gitDir, entries, 'worktree');
    store.remember('a.yaml', false, Buffer.from('a: 2\n'), record);
    store.remember('a.yaml', true, Buffer.from('a: 1\r\n'), record);
    store.save();
    expect(new ScanStore(gitDir, entries, 'worktree').recall('a.yaml', false)).toBeUndefined();
    expect(new ScanStore(gitDir, entries, 'worktree').recall('a.yaml', true)).toBeUndefined();
  });

  it('appends what a run scanned, and forgets scans unused for eight whole rewrites', () => {
    const gitDir = tempDir();
    const file = statePaths(gitDir).scans('worktree');
    const first = new ScanStore(gitDir, entries, 'worktree');
    first.remember('a.yaml', false, a.content, record);
    first.save();
    // One changed manifest: one line appended, the rest of the file as it was.
    const before = readFileSync(file, 'utf8');
    const b = tracked('b.yaml', 'b: 1\n');
    const changed = [b.entry];
    const append = new ScanStore(gitDir, changed, 'worktree');
    append.remember('b.yaml', false, b.content, record);
    append.save();
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length).split('\n')).toHaveLength(2);
    expect(new ScanStore(gitDir, changed, 'worktree').recall('b.yaml', false)).toEqual(record);
    // A line cut short by a crash is skipped, the others still count.
    writeFileSync(file, `${after.slice(0, -5)}`);
    expect(new ScanStore(gitDir, changed, 'worktree').recall('b.yaml', false)).toBeUndefined();
    expect(new ScanStore(gitDir, entries, 'worktree').recall('a.yaml', false)).toEqual(record);

    // Runs that scan more than fit in the appended lines rewrite the file, and drop what none used.
    for (let rewrite = 0; rewrite < 8; rewrite++) {
      const many = Array.from({ length: 65 }, (_, index) => tracked(`many/${index}.yaml`, `rewrite: ${rewrite}\n`));
      const store = new ScanStore(
        gitDir,
        many.map((one) => one.entry),
        'worktree',
      );
      for (const one of many) store.remember(one.entry.path, false, one.content, record);
      store.save();
      expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(2);
      const remembered = new ScanStore(gitDir, entries, 'worktree').recall('a.yaml', false);
      expect(remembered).toEqual(rewrite < 7 ? record : undefined);
    }
  });

  it('discards a file whose scans do not match their hash, or that is not its format', () => {
    const gitDir = tempDir();
    const file = statePaths(gitDir).scans('worktree');
    const store = new ScanStore(gitDir, entries, 'worktree');
    store.remember('a.yaml', false, a.content, record);
    store.save();
    expect(new ScanStore(gitDir, entries, 'worktree').recall('a.yaml', false)).toEqual(record);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"rows":[]', '"rows":null'));
    expect(new ScanStore(gitDir, entries, 'worktree').recall('a.yaml', false)).toBeUndefined();
    writeFileSync(path.join(file), '{');
    expect(new ScanStore(gitDir, entries, 'worktree').recall('a.yaml', false)).toBeUndefined();
  });
});

describe('reference rows', () => {
  /** Every YAML file under the corpus and the public repositories. */
  function fixtures(directory: string): string[] {
    return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return fixtures(full);
      return /\.ya?ml$/.test(entry.name) ? [full] : [];
    });
  }

  it('give back every reference of the corpus and the public repositories exactly', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const files = fixtures(path.join(here, '../fixtures'));
    let references = 0;
    for (const file of files) {
      let outcome;
      try {
        outcome = scanManifest(file, readFileSync(file, 'utf8'), false);
      } catch {
        continue; // the corpus's refusals (conflict markers, marker mismatches)
      }
      if (!('scanned' in outcome)) continue;
      for (const occurrence of outcome.scanned.occurrences) {
        const reference = readReference(occurrence);
        if (reference === undefined) continue;
        const summary = summarize(reference);
        const stored = JSON.parse(JSON.stringify(packReference(summary))) as PackedReference;
        expect(unpackReference(stored), `${file}:${occurrence.position.line}`).toEqual(summary);
        references++;
      }
    }
    expect(references).toBeGreaterThan(200);
  });
});
