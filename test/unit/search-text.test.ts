import { describe, expect, it } from 'vitest';
import { encodeManifest } from '../../src/manifest/decode.js';
import { linesHolding } from '../../src/manifest/searchText.js';

// What the mention search reads of a file: the text a YAML or JSON reader reads, whatever the
// spelling (manifest/searchText.ts).
describe('linesHolding', () => {
  const needle = ['reg.example/app'];
  const bytes = (text: string) => Buffer.from(text, 'utf8');

  it.each([
    ['a \\x escape', 'image: "reg.example\\x2fapp:1"\n'],
    ['a \\u escape', 'image: "reg.example\\u002Fapp:1"\n'],
    ['a \\U escape', 'image: "reg\\U0000002eexample/app:1"\n'],
    ['a JSON \\/', '{"image": "reg.example\\/app:1"}\n'],
    ['an escaped line break', 'image: "reg.example/\\\n    app:1"\n'],
    ['an escaped line break before CRLF', 'image: "reg.example/\\\r\n    app:1"\r\n'],
    ['a plain spelling', 'image: REG.example/app:1\n'],
  ])('finds a name spelled with %s, at the line its scalar starts on', (_, text) => {
    expect(linesHolding(bytes(`a: 1\n${text}`), needle).map(({ line }) => line)).toEqual([2]);
  });

  it('does not join a line ending in an escaped backslash', () => {
    expect(linesHolding(bytes('image: "reg.example/\\\\\napp:1"\n'), needle)).toEqual([]);
  });

  it.each(['utf-16le', 'utf-16be', 'utf-32le', 'utf-32be'] as const)(
    'reads %s as the manifest reader does',
    (encoding) => {
      const encoded = encodeManifest('\ufeffa: 1\nimage: "reg.example\\x2fapp:1"\n', encoding);
      expect(linesHolding(encoded, needle)).toEqual([{ line: 2, text: 'image: "reg.example/app:1"' }]);
    },
  );

  it('reads nothing of binary data', () => {
    expect(linesHolding(Buffer.from('reg.example/app\0'), needle)).toEqual([]);
  });
});

describe('linesHolding, lines a shell joins', () => {
  it('finds a name written plainly on a continued line where it is, once', () => {
    const text = 'run: docker build \\\n  -t reg.example/app:1 .\n';
    expect(linesHolding(Buffer.from(text), ['reg.example/app'])).toEqual([
      { line: 2, text: '  -t reg.example/app:1 .' },
    ]);
  });
});
