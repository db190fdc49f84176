import { parseDocument, type Scalar } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isDefaultManifest } from '../../src/engine/manifestSet.js';
import { embeddedBlock } from '../../src/manifest/embedded.js';
import { scanManifest } from '../../src/manifest/scan.js';
import { NixtagError } from '../../src/errors.js';

function thrown(run: () => unknown): NixtagError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NixtagError);
    return error as NixtagError;
  }
  throw new Error('expected an error');
}

describe('scanning a manifest', () => {
  it('refuses conflict markers in the default set as when named, at the first marker', () => {
    const text = 'a: 1\r\n<<<<<<< HEAD\r\nimage: x:1\r\n=======\r\nimage: x:2\r\n>>>>>>> topic\r\n';
    for (const explicit of [false, true]) {
      const error = thrown(() => scanManifest('k8s/a.yaml', text, explicit));
      expect(error.code).toBe('CONFLICT_MARKERS');
      expect(error.kind).toBe('input');
      expect(error.location).toEqual({ file: 'k8s/a.yaml', line: 2, column: 1 });
    }
  });

  it('does not take a lone ======= line (a heading underline in a block) for a conflict', () => {
    const text = 'data:\n  README: |\n    Title\n    =======\n    image: registry.example.com/app:1\n';
    expect(scanManifest('k8s/a.yaml', text, false)).toHaveProperty('scanned');
  });

  it('places an unclosed bracket or quote where it opens, and words the skip without a dangling colon', () => {
    const cases: Array<[string, number, number]> = [
      ['a: 1\nb: 2\nc: 3\nimage: [x, y\n\n', 4, 8],
      ['a: 1\nimage: {repository: x\nb: 2\n', 2, 8],
      ['a: 1\nimage: "registry.example.com/app:1\nb: 2\n\n', 2, 8],
    ];
    for (const [text, line, column] of cases) {
      const error = thrown(() => scanManifest('k8s/a.yaml', text, true));
      expect(error.code).toBe('YAML_INVALID');
      expect(error.location).toEqual({ file: 'k8s/a.yaml', line, column });
      const skipped = scanManifest('k8s/a.yaml', text, false);
      expect(skipped).toEqual({
        skipped: {
          file: 'k8s/a.yaml',
          line,
          message: expect.stringMatching(/^Skipped k8s\/a\.yaml:\d+:\d+: not YAML \(.*[^:]\)\.$/),
          // A more lenient reader may read it (engine/unread.ts refuses it if it names an image).
          unparsed: { why: expect.stringMatching(/[^:]$/), column, limit: false },
        },
      });
    }
  });

  it('refuses a marker of the wrong kind, naming the value and the line', () => {
    const onReference = 'image: registry.example.com/team/app:1.0 # {"$nixtag": "app:tag"}\n';
    const onTag = 'x: 1\ntag: v1 # {"$nixtag": "app"}\n';
    const first = thrown(() => scanManifest('a.yaml', onReference, false));
    expect(first.code).toBe('MARKER_MISMATCH');
    expect(first.location).toMatchObject({ line: 1, column: 8 });
    expect(first.hint).toContain('{"$nixtag": "app"}');
    const second = thrown(() => scanManifest('a.yaml', onTag, false));
    expect(second.code).toBe('MARKER_MISMATCH');
    expect(second.location).toMatchObject({ line: 2, column: 6 });
    expect(second.hint).toContain('{"$nixtag": "app:tag"}');
  });

  it('reads a kustomization from every file name kustomize accepts', () => {
    const files = new Set<string>();
    for (const file of ['a/kustomization.yaml', 'b/kustomization.yml', 'c/Kustomization', 'd/Kustomization.txt']) {
      expect([file, isDefaultManifest(file, files)]).toEqual([file, !file.endsWith('.txt')]);
    }
  });
});

describe('a block string of YAML inside a manifest', () => {
  const block = (text: string) => {
    const doc = parseDocument(text);
    return { doc, node: (doc.contents as unknown as { items: Array<{ value: Scalar }> }).items[0]!.value };
  };

  it('maps every character of a literal block back to the manifest, CRLF and blank lines included', () => {
    const text = 'values: |\r\n  image:\r\n\r\n    tag: "1.0"\r\nnext: 1\r\n';
    const { node } = block(text);
    const embedded = embeddedBlock(text, node)!;
    expect(embedded.text).toBe('image:\n\n  tag: "1.0"\n');
    const inner = embedded.text.indexOf('1.0');
    expect(text.slice(embedded.toHost(inner)!, embedded.toHost(inner)! + 3)).toBe('1.0');
  });

  it('is read but maps nowhere when it cannot be mapped exactly: folded, with an indentation indicator, quoted', () => {
    for (const [text, value] of [
      ['values: >\n  image: a:1\n', 'image: a:1\n'],
      ['values: |2\n    image: a:1\n', '  image: a:1\n'],
      ['values: "image: a:1"\n', 'image: a:1'],
    ] as const) {
      const { node } = block(text);
      const embedded = embeddedBlock(text, node)!;
      expect(embedded.text).toBe(value);
      expect(embedded.at).toBe(text.indexOf(text.includes('"') ? '"' : text.includes('>') ? '>' : '|'));
      expect([...embedded.text].map((_, offset) => embedded.toHost(offset)).filter((at) => at !== undefined)).toEqual(
        [],
      );
    }
  });
});
