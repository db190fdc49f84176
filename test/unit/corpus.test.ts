import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fixText, readText, type ImageSpec } from '../helpers/manifests.js';

const corpus = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/corpus');

interface Case {
  description: string;
  images: ImageSpec[];
  tag: string;
}

describe('the fixture corpus: fix changes the tag bytes and nothing else', () => {
  for (const name of readdirSync(corpus)) {
    const spec = JSON.parse(readFileSync(path.join(corpus, name, 'case.json'), 'utf8')) as Case;
    it(`${name}: ${spec.description}`, () => {
      const input = readText(path.join(corpus, name, 'input.yaml'));
      const expected = readText(path.join(corpus, name, 'expected.yaml'));
      const fixed = fixText(`${name}/input.yaml`, input, spec.images, spec.tag);
      expect(fixed.text).toBe(expected);
      // Fixing again finds nothing stale: the result reads the new tags.
      const again = fixText(`${name}/expected.yaml`, fixed.text, spec.images, spec.tag);
      expect(again.references.filter((reference) => reference.status === 'stale')).toEqual([]);
      expect(again.text).toBe(expected);
      // The result is still YAML without errors.
      for (const doc of parseAllDocuments(fixed.text) as unknown as Array<{ errors: unknown[] }>)
        expect(doc.errors).toEqual([]);
    });
  }

  it('reports positions at the first character of the image string', () => {
    const input = readText(path.join(corpus, 'workloads-multidoc', 'input.yaml'));
    const { references } = fixText(
      'w.yaml',
      input,
      [{ name: 'app', repository: 'registry.example:5000/team/app' }],
      'x'.repeat(32),
    );
    const lines = input.split('\n');
    for (const reference of references) {
      const line = lines[reference.line - 1]!;
      expect(line.slice(reference.column - 1)).toMatch(
        new RegExp(`^${reference.current.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    }
    expect(references.map((reference) => reference.status)).toEqual([
      'stale',
      'stale',
      'stale',
      'stale',
      'unmanaged',
      'stale',
      'stale',
      'stale',
      'stale',
      'stale',
      'stale',
    ]);
  });

  it('marks a dropped digest', () => {
    const input = readText(path.join(corpus, 'digest-pinned', 'input.yaml'));
    const { references } = fixText(
      'd.yaml',
      input,
      [{ name: 'app', repository: 'registry.example:5000/team/app' }],
      'bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0',
    );
    expect(references.map((reference) => [reference.status, reference.digestDropped ?? false])).toEqual([
      ['stale', true],
      ['ok', false],
    ]);
  });
});
