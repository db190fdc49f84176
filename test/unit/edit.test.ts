import { parseDocument, type Scalar } from 'yaml';
import { describe, expect, it } from 'vitest';
import { applyEdits, literalOffset, needsQuotes } from '../../src/manifest/edit.js';

function scalarAt(text: string, key: string): Scalar {
  return parseDocument(text).get(key, true) as Scalar;
}

describe('literalOffset', () => {
  it.each([
    ['k: repo:tag\n', 3],
    ["k: 'repo:tag'\n", 4],
    ['k: "repo:tag"\n', 4],
    ['k: |-\n  repo:tag\n', 8],
  ])('finds the value of %j', (text, offset) => {
    expect(literalOffset(text, scalarAt(text, 'k'), 'repo:tag')).toBe(offset);
  });
  it('gives up on escapes rather than guess', () => {
    const text = 'k: "repo:\\x74ag"\n';
    expect(literalOffset(text, scalarAt(text, 'k'), 'repo:tag')).toBeUndefined();
  });
});

describe('applyEdits', () => {
  it('changes only the edited spans', () => {
    expect(
      applyEdits('a-b-c', [
        { start: 4, end: 5, replacement: 'Z' },
        { start: 0, end: 1, replacement: 'X' },
      ]),
    ).toBe('X-b-Z');
  });
  it('refuses overlapping edits', () => {
    expect(() =>
      applyEdits('abc', [
        { start: 0, end: 2, replacement: '' },
        { start: 1, end: 3, replacement: '' },
      ]),
    ).toThrow(/overlapping/);
  });
});

describe('needsQuotes', () => {
  it('quotes what YAML would not read as a string', () => {
    expect(needsQuotes('12345678901234567890123456789012')).toBe(true);
    expect(needsQuotes('0x1234')).toBe(true);
    expect(needsQuotes('bhvhf4ndzxgqnlwzv5s272i5xs2qs6v0')).toBe(false);
  });
});
