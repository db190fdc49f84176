import { describe, expect, it } from 'vitest';
import { entryDecides } from '../../src/manifest/shapes/kustomizeApply.js';

// Whether an images: entry sets the tag kustomize deploys for a base, as kubectl kustomize 5.5
// renders it (api/filters/imagetag, api/internal/image).
const REPO = 'registry.example/team/app';

describe('an images: entry, as kustomize applies the entries in turn', () => {
  it('matches a name with a tag or an anchor only where the base writes that', () => {
    for (const [name, base, decides] of [
      [`${REPO}:latest`, `${REPO}:v1`, false],
      [`${REPO}:latest`, `${REPO}:latest`, true],
      [`${REPO}$`, `${REPO}:v1`, false],
      [`${REPO}$`, REPO, true],
      [`${REPO}:v[0-9]+`, `${REPO}:v12`, true],
      [`${REPO}:v[0-9]+`, `${REPO}:abc`, false],
      ['registry.example/team/.*', 'registry.example:5000/team/app:v1', false],
    ] as const) {
      expect([name, base, entryDecides(base, [{ name, tag: 'new' }], 0)]).toEqual([name, base, decides]);
    }
  });

  it('leaves the tag to a later entry that matches what it left', () => {
    const pattern = { name: 'registry.example/team/.*', tag: 'v2' };
    expect(entryDecides(`${REPO}:v1`, [pattern, { name: REPO, tag: 'v3' }], 0)).toBe(false);
    expect(entryDecides(`${REPO}:v1`, [pattern, { name: `${REPO}:v2`, tag: 'v3' }], 0)).toBe(false);
    expect(entryDecides(`${REPO}:v1`, [pattern, { name: `${REPO}:v1`, tag: 'v3' }], 0)).toBe(true);
    expect(entryDecides(`${REPO}:v1`, [pattern, { name: 'nginx', tag: 'v3' }], 0)).toBe(true);
    // A suffix or a rename on the way is followed.
    expect(entryDecides(`${REPO}:v1`, [pattern, { name: REPO, suffix: '-x' }, { name: REPO, tag: 'v3' }], 0)).toBe(
      false,
    );
    expect(entryDecides(`${REPO}:v1`, [pattern, { name: REPO, suffix: '-x' }], 0)).toBe(true);
    expect(
      entryDecides(
        `${REPO}:v1`,
        [pattern, { name: REPO, newName: 'other/x' }, { name: 'other/x', digest: 'sha256:0' }],
        0,
      ),
    ).toBe(false);
  });

  it('meets the base as the earlier entries left it, and as written', () => {
    const entries = [
      { name: 'registry.example/team/.*', tag: 'v2' },
      { name: `${REPO}:v2`, tag: 'v3' },
    ];
    expect(entryDecides(`${REPO}:v1`, entries, 1)).toBe(true);
    // An earlier tag it does not match (`+`) may be one fix rewrites: the base as written counts.
    expect(
      entryDecides(
        `${REPO}:v1`,
        [
          { name: REPO, tag: 'v1+build' },
          { name: REPO, tag: 'v3' },
        ],
        1,
      ),
    ).toBe(true);
  });
});
