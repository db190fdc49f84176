import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { onTestFinished, describe, expect, it } from 'vitest';
import { MANIFEST_ACCEPT, RegistryClient } from '../../src/registry/client.js';
import { CredentialStore } from '../../src/registry/credentials.js';
import { DEFAULT_POLICY, type HttpPolicy } from '../../src/registry/http.js';
import { until } from '../helpers/pause.js';
import { tempDir } from '../helpers/repo.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  socket: Socket;
  body: string;
}

/** A stand-in registry on 127.0.0.1 whose answers the test writes; it records every request. */
async function fakeRegistry(handle: (request: Seen, response: ServerResponse) => void | Promise<void>) {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const entry = {
        method: request.method!,
        url: request.url!,
        headers: request.headers,
        socket: request.socket,
        body,
      };
      seen.push(entry);
      void handle(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())).then(() => undefined));
  onTestFinished(() => server.closeAllConnections());
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return { host, seen, manifests: () => seen.filter((request) => request.url.includes('/manifests/')) };
}

const DIGEST = `sha256:${'d'.repeat(64)}`;
const noCredentials = () => new CredentialStore([]);

function client(host: string, policy: Partial<HttpPolicy> = {}, credentials = noCredentials(), log: string[] = []) {
  return new RegistryClient(host, host, {
    insecure: [],
    credentials,
    policy: { ...DEFAULT_POLICY, ...policy, log: (line) => log.push(line) },
  });
}

describe('the registry client', () => {
  it('asks with HEAD and the manifest and index media types, then GET when HEAD gives no digest', async () => {
    const body = '{"schemaVersion":2}';
    const registry = await fakeRegistry((request, response) => {
      if (request.method === 'HEAD') return void response.writeHead(200).end();
      response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(body);
    });
    const answer = await client(registry.host).manifestDigest('team/app', 'v1');
    expect(answer).toEqual({ found: true, digest: `sha256:${createHash('sha256').update(body).digest('hex')}` });
    expect(registry.manifests().map((request) => `${request.method} ${request.url}`)).toEqual([
      'HEAD /v2/team/app/manifests/v1',
      'GET /v2/team/app/manifests/v1',
    ]);
    expect(registry.manifests()[0]!.headers.accept).toBe(MANIFEST_ACCEPT);
    for (const type of ['oci.image.index', 'oci.image.manifest', 'manifest.list.v2', 'distribution.manifest.v2'])
      expect(MANIFEST_ACCEPT).toContain(type);
  });

  it('retries 429 and 5xx a bounded number of times, waiting as Retry-After says', async () => {
    let calls = 0;
    const registry = await fakeRegistry((request, response) => {
      if (!request.url.includes('/manifests/')) return void response.writeHead(200).end();
      calls++;
      if (calls === 1) return void response.writeHead(429, { 'retry-after': '1' }).end();
      if (calls === 2) return void response.writeHead(503).end();
      response.writeHead(200, { 'docker-content-digest': DIGEST }).end();
    });
    const started = Date.now();
    expect(await client(registry.host).manifestDigest('app', 'v1')).toEqual({ found: true, digest: DIGEST });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(calls).toBe(3);

    const failing = await fakeRegistry((_request, response) => void response.writeHead(502).end());
    await expect(client(failing.host, { retries: 2 }).manifestDigest('app', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
      message: expect.stringContaining('HTTP 502'),
    });
    expect(failing.manifests()).toHaveLength(3);
  });

  it('gives up at once when Retry-After asks for longer than it waits, and on a timeout', async () => {
    const busy = await fakeRegistry(
      (_request, response) => void response.writeHead(429, { 'retry-after': '3600' }).end(),
    );
    await expect(client(busy.host).manifestDigest('app', 'v1')).rejects.toThrow('HTTP 429');
    expect(busy.manifests()).toHaveLength(1);

    const silent = await fakeRegistry(() => undefined); // never answers
    await expect(client(silent.host, { timeoutMs: 300 }).manifestDigest('app', 'v1')).rejects.toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
      message: expect.stringContaining('no answer within 0.3 s'),
    });
  });

  it('runs at most four requests to one registry at once, and asks each tag once per HEAD and GET', async () => {
    let inFlight = 0;
    let most = 0;
    // Manifest requests are answered when the test says: then the client has as many in flight as it will.
    const held: Array<() => void> = [];
    const registry = await fakeRegistry(async (request, response) => {
      most = Math.max(most, ++inFlight);
      if (request.url.includes('/manifests/')) await new Promise<void>((answer) => held.push(answer));
      inFlight--;
      // HEAD gives no digest here, so a GET follows.
      const headers = request.method === 'GET' ? { 'docker-content-digest': DIGEST } : {};
      response.writeHead(request.url.includes('/manifests/') ? 200 : 404, { ...headers, 'content-length': '0' }).end();
    });
    const registryClient = client(registry.host);
    const tags = Array.from({ length: 12 }, (_, index) => `v${index}`);
    const unanswered = new Set(tags);
    const answers = Promise.all(
      tags.map((tag) => registryClient.manifestDigest('app', tag).finally(() => unanswered.delete(tag))),
    );
    // Each tag has one request at a time (HEAD, then GET): four in flight whenever four tags are left.
    while (unanswered.size > 0) {
      await until(() => held.length >= Math.min(4, unanswered.size), 'the client fills its slots');
      expect(held.length).toBeLessThanOrEqual(4);
      for (const answer of held.splice(0)) answer();
    }
    expect(await answers).toEqual(tags.map(() => ({ found: true, digest: DIGEST })));
    expect(most).toBe(4);
    const gets = registry.manifests().filter((request) => request.method === 'GET');
    expect(gets.map((request) => request.url).sort()).toEqual(tags.map((tag) => `/v2/app/manifests/${tag}`).sort());
  });

  it('fetches one token per repository and offers it for every tag', async () => {
    const registry = await fakeRegistry((request, response) => {
      if (request.url.startsWith('/token')) return void response.end(JSON.stringify({ token: 'tok-1' }));
      if (request.headers.authorization !== 'Bearer tok-1') {
        const realm = `http://${request.headers.host}/token`;
        const challenge = `Bearer realm="${realm}",service="fake",scope="repository:team/app:pull"`;
        return void response.writeHead(401, { 'www-authenticate': challenge }).end();
      }
      response.writeHead(200, { 'docker-content-digest': DIGEST }).end();
    });
    const registryClient = client(registry.host);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((tag) => registryClient.manifestDigest('team/app', tag)));
    const tokenRequests = registry.seen.filter((request) => request.url.startsWith('/token'));
    expect(tokenRequests.map((request) => request.url)).toEqual([
      '/token?service=fake&scope=repository%3Ateam%2Fapp%3Apull',
    ]);
  });

  it('trades an identity token from the credentials for a bearer token with a POST, as Docker does', async () => {
    const dir = tempDir();
    const registry = await fakeRegistry((request, response) => {
      if (request.url === '/token') {
        const form = new URLSearchParams(request.body);
        const ok =
          request.method === 'POST' &&
          form.get('grant_type') === 'refresh_token' &&
          form.get('refresh_token') === 'refresh-me';
        return void response.writeHead(ok ? 200 : 401).end(JSON.stringify({ access_token: 'tok-2' }));
      }
      if (request.headers.authorization === 'Bearer tok-2') return void response.writeHead(404).end();
      const challenge = `Bearer realm="http://${request.headers.host}/token",service="fake"`;
      response.writeHead(401, { 'www-authenticate': challenge }).end();
    });
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ auths: { [registry.host]: { identitytoken: 'refresh-me' } } }));
    const answer = await client(registry.host, {}, new CredentialStore([file])).manifestDigest('app', 'gone');
    expect(answer).toEqual({ found: false });
  });

  it('sends no credentials to a token service over plain HTTP that is neither loopback nor insecure', async () => {
    const dir = tempDir();
    const registry = await fakeRegistry((_request, response) => {
      const challenge = 'Bearer realm="http://auth.example.invalid/token",service="fake"';
      response.writeHead(401, { 'www-authenticate': challenge }).end();
    });
    const file = path.join(dir, 'auth.json');
    writeFileSync(file, JSON.stringify({ auths: { [registry.host]: { username: 'u', password: 'p' } } }));
    await expect(
      client(registry.host, {}, new CredentialStore([file])).manifestDigest('app', 'v1'),
    ).rejects.toMatchObject({
      code: 'REGISTRY_REFUSED',
      message: expect.stringContaining('http://auth.example.invalid/token, over plain HTTP'),
    });
  });

  it('tries HTTPS first, and uses plain HTTP for a loopback registry that does not speak it', async () => {
    const registry = await fakeRegistry((_request, response) => void response.writeHead(404).end());
    const log: string[] = [];
    expect(await client(registry.host, {}, noCredentials(), log).manifestDigest('app', 'v1')).toEqual({ found: false });
    expect(log[0]).toMatch(
      new RegExp(`^nixtag: registry: ${registry.host}: HTTPS got no answer \\(.+\\); using plain HTTP$`),
    );
    expect(log).toContain(`nixtag: registry: HEAD http://${registry.host}/v2/app/manifests/v1: 404`);
  });
});
