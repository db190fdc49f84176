import { describe, expect, it } from 'vitest';
import { isDeletion, parsePrePushInput } from '../../src/engine/prePushInput.js';

describe("git's pre-push input", () => {
  it('reads one update per line and ignores blank lines (an up-to-date push sends none)', () => {
    const sha1 = 'a'.repeat(40);
    const input = `refs/heads/main ${sha1} refs/heads/main ${'0'.repeat(40)}\n\nrefs/tags/v1 ${'b'.repeat(40)} refs/tags/v1 ${'0'.repeat(40)}\n`;
    expect(parsePrePushInput(input)).toEqual([
      { localRef: 'refs/heads/main', localOid: sha1, remoteRef: 'refs/heads/main', remoteOid: '0'.repeat(40) },
      { localRef: 'refs/tags/v1', localOid: 'b'.repeat(40), remoteRef: 'refs/tags/v1', remoteOid: '0'.repeat(40) },
    ]);
    expect(parsePrePushInput('')).toEqual([]);
    expect(parsePrePushInput('\n')).toEqual([]);
  });

  it('knows a deletion by its all-zero local oid, SHA-1 or SHA-256', () => {
    for (const zero of ['0'.repeat(40), '0'.repeat(64)]) {
      const [update] = parsePrePushInput(`(delete) ${zero} refs/heads/old ${'c'.repeat(zero.length)}`);
      expect(isDeletion(update!)).toBe(true);
    }
    const [push] = parsePrePushInput(`refs/heads/new ${'d'.repeat(64)} refs/heads/new ${'0'.repeat(64)}`);
    expect(isDeletion(push!)).toBe(false);
  });
});
