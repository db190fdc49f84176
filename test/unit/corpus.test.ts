import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { checkText, fixText, readText, type ImageSpec } from '../helpers/manifests.js';

const corpus = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/corpus');

interface Case {
  description: string;
  images: ImageSpec[];
  tag: string;
  /** The name the manifest is judged under (default `input.yaml`): kustomize reads by name. */
  file?: string;
  /** What check says before fix: `[status, current, line]` per reference, in file order. */
  verdicts?: Array<[string, string, number]>;
  /** Fix refuses the manifest with this error: no expected.yaml, the bytes stay. */
  refused?: { code: string; line: number };
}

describe('the fixture corpus: fix changes the tag bytes and nothing else', () => {
  for (const name of readdirSync(corpus)) {
    const spec = JSON.parse(readFileSync(path.join(corpus, name, 'case.json'), 'utf8')) as Case;
    it(`${name}: ${spec.description}`, () => {
      const file = `${name}/${spec.file ?? 'input.yaml'}`;
      const input = readText(path.join(corpus, name, 'input.yaml'));
      if (spec.verdicts !== undefined) {
        const { references } = checkText(file, input, spec.images, spec.tag);
        expect(references.map(({ status, current, line }) => [status, current, line])).toEqual(spec.verdicts);
      }
      if (spec.refused !== undefined) {
        expect(() => fixText(file, input, spec.images, spec.tag)).toThrow(
          expect.objectContaining({
            code: spec.refused.code,
            kind: 'input',
            location: expect.objectContaining({ line: spec.refused.line }),
          }),
        );
        return;
      }
      const expected = readText(path.join(corpus, name, 'expected.yaml'));
      const fixed = fixText(file, input, spec.images, spec.tag);
      expect(fixed.text).toBe(expected);
      // Fixing again finds nothing stale: the result reads the new tags.
      const again = fixText(`${name}/expected.yaml`, fixed.text, spec.images, spec.tag);
      expect(again.references.filter((reference) => reference.status === 'stale')).toEqual([]);
      expect(again.text).toBe(expected);
      // The result is still YAML without errors, but for the input's own (a duplicated key).
      const errors = (text: string) =>
        (parseAllDocuments(text) as unknown as Array<{ errors: Array<{ code: string }> }>).flatMap((doc) =>
          doc.errors.map((error) => error.code),
        );
      expect(errors(fixed.text)).toEqual(errors(input));
      expect(errors(input).every((code) => code === 'DUPLICATE_KEY')).toBe(true);
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
      ['stale', true],
    ]);
  });
});
