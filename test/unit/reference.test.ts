import { describe, expect, it } from 'vitest';
import { canonicalRepository, parseImageReference } from '../../src/manifest/reference.js';

describe('parseImageReference', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx', undefined, undefined],
    ['nginx:1.27', 'docker.io/library/nginx', '1.27', undefined],
    ['lewo/app:abc', 'docker.io/lewo/app', 'abc', undefined],
    ['docker.io/lewo/app:abc', 'docker.io/lewo/app', 'abc', undefined],
    ['index.docker.io/lewo/app', 'docker.io/lewo/app', undefined, undefined],
    ['docker.io/nginx', 'docker.io/library/nginx', undefined, undefined],
    ['localhost:5000/app', 'localhost:5000/app', undefined, undefined],
    ['localhost:5000/app:v1', 'localhost:5000/app', 'v1', undefined],
    ['localhost/app:v1', 'localhost/app', 'v1', undefined],
    ['Registry.Example/team/app:x', 'registry.example/team/app', 'x', undefined],
    ['127.0.0.1:5000/a/b/c:t', '127.0.0.1:5000/a/b/c', 't', undefined],
    [`ghcr.io/o/app:t@sha256:${'a'.repeat(64)}`, 'ghcr.io/o/app', 't', `sha256:${'a'.repeat(64)}`],
    [`ghcr.io/o/app@sha256:${'b'.repeat(64)}`, 'ghcr.io/o/app', undefined, `sha256:${'b'.repeat(64)}`],
  ])('%s', (raw, canonical, tag, digest) => {
    const parsed = parseImageReference(raw);
    expect(parsed).toMatchObject({ canonicalName: canonical, tag, digest });
    if (tag !== undefined) expect(raw.slice(parsed!.tagStart, parsed!.tagStart! + tag.length)).toBe(tag);
  });

  it.each([
    '',
    'team/UPPER',
    'app:',
    'app:-bad',
    'a b',
    '{{ .Values.image }}',
    'app@sha256:short',
    ':tag',
    'app//x',
    '/abs/path',
  ])('rejects %j', (raw) => expect(parseImageReference(raw)).toBeUndefined());

  it('compares repositories as registries do', () => {
    expect(canonicalRepository('lewo/app')).toBe(canonicalRepository('docker.io/lewo/app'));
    expect(canonicalRepository('index.docker.io/lewo/app')).toBe('docker.io/lewo/app');
    expect(canonicalRepository('localhost:5000/app')).toBe('localhost:5000/app');
    expect(canonicalRepository('app:tag')).toBeUndefined();
  });
});
