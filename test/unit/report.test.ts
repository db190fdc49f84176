import { describe, expect, it } from 'vitest';
import { formatCheck } from '../../src/report/text.js';
import type { CheckResult } from '../../src/types.js';

const unjudged = (ok: boolean): CheckResult => ({
  ok,
  commitDependent: ['app'],
  references: [
    {
      file: 'k8s/app.yaml',
      line: 5,
      column: 14,
      image: 'app',
      current: 'r/app:x',
      expected: null,
      status: 'unmanaged',
    },
  ],
  warnings: [],
  judged: 'index',
});

describe('the text report of a tag that depends on the commit', () => {
  it('names each reference it could not judge and says why, never "no reference found"', () => {
    const text = formatCheck(unjudged(true), false);
    expect(text).toContain('k8s/app.yaml:5:14: not judged: the tag of app depends on the commit');
    expect(text).toContain('is judged by the pre-push hook once the commit exists');
    expect(text).toContain('cannot be judged anywhere');
    expect(text).not.toMatch(/no managed image reference/);
    expect(formatCheck(unjudged(false), false)).toContain('whenCommitDependent: fail');
  });
});
