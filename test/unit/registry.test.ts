import { describe, expect, it } from 'vitest';
import { exitCodeForResult } from '../../src/cli/exitCode.js';
import { parseChallenges } from '../../src/registry/challenge.js';
import { authFiles } from '../../src/registry/credentials.js';
import { digestsFor, parseDigestOptions } from '../../src/registry/digests.js';
import { Limiter, retryAfterMs } from '../../src/registry/http.js';
import {
  credentialKeys,
  isLoopback,
  mayUseHttp,
  normaliseAuthKey,
  registryTarget,
  shownUrl,
} from '../../src/registry/names.js';
import type { ReferenceResult, RegistryStatus } from '../../src/types.js';

const HEX = 'a'.repeat(64);

describe('registry names', () => {
  it("follows Docker Hub's rules (library/, registry-1.docker.io, latest) and keeps other registries as written", () => {
    // image: [registry, API host, repository, reference, pinned digest]
    const cases: Record<string, [string, string, string, string, string | undefined]> = {
      nginx: ['docker.io', 'registry-1.docker.io', 'library/nginx', 'latest', undefined],
      'lewo/poc-tekton:abc': ['docker.io', 'registry-1.docker.io', 'lewo/poc-tekton', 'abc', undefined],
      'index.docker.io/lewo/app:1': ['docker.io', 'registry-1.docker.io', 'lewo/app', '1', undefined],
      'docker.io/alpine:3': ['docker.io', 'registry-1.docker.io', 'library/alpine', '3', undefined],
      'localhost:5000/app': ['localhost:5000', 'localhost:5000', 'app', 'latest', undefined],
      [`ghcr.io/team/app:v1@sha256:${HEX}`]: ['ghcr.io', 'ghcr.io', 'team/app', 'v1', `sha256:${HEX}`],
      [`ghcr.io/team/app@sha256:${HEX}`]: ['ghcr.io', 'ghcr.io', 'team/app', `sha256:${HEX}`, undefined],
    };
    for (const [image, [registry, apiHost, repository, reference, pinned]] of Object.entries(cases))
      expect(registryTarget(image), image).toEqual({ registry, apiHost, repository, reference, pinned });
    expect(registryTarget('not a reference')).toBeUndefined();
  });

  it('allows plain HTTP for loopback and registry.insecure only', () => {
    const loopback = [
      'localhost:5000',
      '127.0.0.1:5000',
      '127.1.2.3',
      '[::1]:5000',
      '[0::1]',
      '[::ffff:127.0.0.1]:5000',
    ];
    for (const host of [...loopback, 'kind.localhost']) expect(isLoopback(host)).toBe(true);
    for (const host of [
      'registry.internal:5000',
      '10.0.0.1:5000',
      'localhost.example.com',
      '128.0.0.1',
      '[::2]',
      '[::ffff:10.0.0.1]',
    ])
      expect(isLoopback(host)).toBe(false);
    expect(mayUseHttp('registry.internal:5000', ['registry.internal:5000'])).toBe(true);
    expect(mayUseHttp('Registry.Internal:5000', ['registry.internal:5000/'])).toBe(true);
    expect(mayUseHttp('registry.internal', ['registry.internal:5000'])).toBe(false);
    expect(mayUseHttp('docker.io', [])).toBe(false);
  });

  it('looks credentials up most specific first, Docker Hub under its v1 URL too', () => {
    expect(credentialKeys('quay.io', 'team/app')).toEqual(['quay.io/team/app', 'quay.io/team', 'quay.io']);
    expect(credentialKeys('docker.io', 'library/nginx')).toContain('https://index.docker.io/v1/');
    expect(normaliseAuthKey('https://index.docker.io/v1/')).toBe('index.docker.io');
    expect(normaliseAuthKey('http://registry:5000')).toBe('registry:5000');
    expect(normaliseAuthKey('quay.io/team/')).toBe('quay.io/team');
  });

  it('shows URLs without user information or query', () => {
    expect(shownUrl('https://user:secret@auth.example/token?scope=x&account=me')).toBe('https://auth.example/token');
  });

  it('reads credential files in the order skopeo does', () => {
    const home = '/home/u';
    expect(authFiles({ HOME: home })).toEqual(['/home/u/.config/containers/auth.json', '/home/u/.docker/config.json']);
    expect(authFiles({ HOME: home, XDG_RUNTIME_DIR: '/run/user/1', DOCKER_CONFIG: '/d' })).toEqual([
      '/run/user/1/containers/auth.json',
      '/home/u/.config/containers/auth.json',
      '/d/config.json',
    ]);
    expect(authFiles({ HOME: home, XDG_RUNTIME_DIR: '/run/user/1', REGISTRY_AUTH_FILE: '/a.json' })[0]).toBe('/a.json');
  });
});

describe('WWW-Authenticate', () => {
  it('reads bearer and basic challenges with quoted and plain values', () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"';
    expect(parseChallenges(header)).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/nginx:pull',
        },
      },
    ]);
    expect(parseChallenges('Negotiate, Basic realm="a \\"b\\"", charset=UTF-8')).toEqual([
      { scheme: 'basic', params: { realm: 'a "b"', charset: 'UTF-8' } },
    ]);
    expect(parseChallenges(null)).toEqual([]);
  });
});

describe('retries and limits', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('runs at most N tasks at once', async () => {
    const limiter = new Limiter(2);
    let running = 0;
    let most = 0;
    // Each task runs until the test ends it: the limiter must start the next in its place, and
    // never a third beside two.
    const ends: Array<() => void> = [];
    const task = () =>
      new Promise<void>((resolve) => {
        most = Math.max(most, ++running);
        ends.push(() => {
          running--;
          resolve();
        });
      });
    const all = Promise.all(Array.from({ length: 7 }, () => limiter.run(task)));
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    for (let ended = 0; ended < 7; ended++) {
      await settle();
      expect(running).toBe(Math.min(2, 7 - ended));
      ends.shift()!();
    }
    await all;
    expect(most).toBe(2);
  });
});

describe('--digest', () => {
  it('takes sha256:… for the one image and NAME=sha256:… per image', () => {
    expect(parseDigestOptions([`sha256:${HEX}`])).toEqual({ all: `sha256:${HEX}`, byImage: {} });
    expect(parseDigestOptions([`app=sha256:${HEX}`])).toEqual({ byImage: { app: `sha256:${HEX}` } });
    for (const bad of ['', 'sha256:', `sha256:${HEX.toUpperCase()}`, `=sha256:${HEX}`, 'latest'])
      expect(() => parseDigestOptions([bad])).toThrow(/is not a digest/);
    expect(() => parseDigestOptions([`sha256:${HEX}`, `sha256:${'b'.repeat(64)}`])).toThrow(/two different digests/);
  });

  it('gives each image its digest, refusing unknown names and one digest for several images', () => {
    const all = { all: `sha256:${HEX}`, byImage: {} };
    expect(digestsFor(all, ['app'], ['app'])).toEqual(new Map([['app', `sha256:${HEX}`]]));
    expect(() => digestsFor(all, ['app', 'worker'], [])).toThrow(/references name 2 images/);
    const named = { all: `sha256:${HEX}`, byImage: { worker: `sha256:${'b'.repeat(64)}` } };
    expect(digestsFor(named, ['app', 'worker'], []).get('app')).toBe(`sha256:${HEX}`);
    expect(() => digestsFor({ byImage: { nope: `sha256:${HEX}` } }, ['app'], ['app'])).toThrow(/no image named 'nope'/);
    // A digest compared with nothing would let the check pass what it was meant to catch.
    expect(() => digestsFor(all, [], ['app'])).toThrow(/no managed reference is there/);
    const worker = { byImage: { worker: `sha256:${HEX}` } };
    expect(() => digestsFor(worker, ['app'], ['app', 'worker'])).toThrow(/no managed reference names that image/);
  });
});

describe('exit codes with --registry', () => {
  const reference = (status: 'ok' | 'stale', registry?: RegistryStatus): ReferenceResult => ({
    file: 'a.yaml',
    line: 1,
    column: 1,
    image: 'app',
    current: 'x',
    expected: 'x',
    status,
    ...(registry === undefined ? {} : { registry: { status: registry, registry: 'r', digest: null } }),
  });
  it('is 1 for a missing tag or another digest, 3 for a registry without answer, 1 when both', () => {
    expect(exitCodeForResult({ ok: true, references: [reference('ok', 'ok')] })).toBe(0);
    expect(exitCodeForResult({ ok: false, references: [reference('ok', 'missing')] })).toBe(1);
    expect(exitCodeForResult({ ok: false, references: [reference('ok', 'mismatch')] })).toBe(1);
    expect(exitCodeForResult({ ok: false, references: [reference('ok', 'unreachable')] })).toBe(3);
    expect(
      exitCodeForResult({ ok: false, references: [reference('ok', 'unreachable'), reference('ok', 'missing')] }),
    ).toBe(1);
    expect(exitCodeForResult({ ok: false, references: [reference('stale', 'unreachable')] })).toBe(1);
    expect(exitCodeForResult({ ok: false })).toBe(1);
    // A tag that depends on the clone's own .git fails CI whatever the registry says.
    const failure = { image: 'app', code: 'TAG_CLONE_DEPENDENT' as const, message: 'm', hint: 'h' };
    expect(exitCodeForResult({ ok: false, references: [reference('ok', 'unreachable')], failures: [failure] })).toBe(1);
  });
});
