import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialStore } from '../../src/registry/credentials.js';
import { tempDir } from '../helpers/repo.js';

const basic = (user: string, password: string) => ({ auth: Buffer.from(`${user}:${password}`).toString('base64') });

/** Credential files in a temp dir, in the order given. */
function store(...contents: Array<object | string>): CredentialStore {
  const dir = tempDir();
  const files = contents.map((content, index) => {
    const file = path.join(dir, `auth-${index}.json`);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  });
  return new CredentialStore([...files, path.join(dir, 'absent.json')]);
}

describe('credential files', () => {
  it('prefers the most specific auths key, as containers-auth.json allows', async () => {
    const credentials = store({
      auths: {
        'quay.io': basic('any', 'one'),
        'quay.io/team': basic('team', 'two'),
        'quay.io/team/app': basic('app', 'three'),
      },
    });
    expect(await credentials.lookup('quay.io', 'team/app')).toEqual({
      kind: 'basic',
      username: 'app',
      password: 'three',
    });
    expect(await credentials.lookup('quay.io', 'team/web')).toMatchObject({ username: 'team' });
    expect(await credentials.lookup('quay.io', 'other/app')).toMatchObject({ username: 'any' });
    expect(await credentials.lookup('ghcr.io', 'team/app')).toBeUndefined();
  });

  it("reads Docker Hub under Docker's v1 URL, user/password pairs and identity tokens", async () => {
    const hub = store({ auths: { 'https://index.docker.io/v1/': basic('hubuser', 'pw') } });
    expect(await hub.lookup('docker.io', 'library/nginx')).toMatchObject({ username: 'hubuser', password: 'pw' });
    const plain = store({ auths: { 'registry:5000': { username: 'u', password: 'p:with:colons' } } });
    expect(await plain.lookup('registry:5000', 'app')).toEqual({
      kind: 'basic',
      username: 'u',
      password: 'p:with:colons',
    });
    const identity = store({ auths: { 'acr.example': { identitytoken: 'refresh' } } });
    expect(await identity.lookup('acr.example', 'app')).toEqual({ kind: 'identity', token: 'refresh' });
  });

  it('takes the first file that knows the registry, and skips files that do not exist', async () => {
    const credentials = store(
      { auths: { 'other.io': basic('x', 'y') } },
      { auths: { 'quay.io': basic('second', 'file') } },
    );
    expect(await credentials.lookup('quay.io', 'app')).toMatchObject({ username: 'second' });
  });

  it('names a file that is not JSON without showing what it holds', async () => {
    const secret = basic('u', 'do-not-print').auth;
    const error = await store(`{"auths": {"quay.io": {"auth": "${secret}"`)
      .lookup('quay.io', 'app')
      .catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'REGISTRY_CREDENTIALS' });
    expect((error as Error).message).toMatch(/auth-0\.json is not valid JSON/);
    expect((error as Error).message).not.toContain(secret);
  });
});
