import { execFile, execFileSync, spawn } from 'node:child_process';
import { createHash, createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { nixtagCli } from './cli.js';
import { deployment, plainImage } from './expressions.js';
import { gitRepo, tempDir } from './repo.js';

/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1, on a port it picks itself, with its
 * own configuration and storage under `dir`; images pushed with skopeo from OCI layouts written
 * here by hand. Nothing listens once `stop` has run.
 */
export interface TestRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  stop(): Promise<void>;
}

export type RegistryAuth =
  | { kind: 'htpasswd'; user: string; password: string }
  | { kind: 'token'; realm: string; service: string; issuer: string; certFile: string };

export async function startRegistry(dir: string, auth?: RegistryAuth): Promise<TestRegistry> {
  mkdirSync(dir, { recursive: true });
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'storage')}`,
    'http:',
    '  addr: 127.0.0.1:0',
    '  secret: nixtag-test',
  ];
  if (auth?.kind === 'htpasswd') {
    const file = path.join(dir, 'htpasswd');
    writeFileSync(file, execFileSync('htpasswd', ['-Bbn', auth.user, auth.password], { encoding: 'utf8' }));
    lines.push('auth:', '  htpasswd:', '    realm: nixtag-test', `    path: ${file}`);
  } else if (auth?.kind === 'token') {
    lines.push('auth:', '  token:', `    realm: ${auth.realm}`, `    service: ${auth.service}`);
    lines.push(`    issuer: ${auth.issuer}`, `    rootcertbundle: ${auth.certFile}`);
  }
  const config = path.join(dir, 'config.yml');
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // Should the test process end without stop() (a crash, a timeout), the registry ends with it.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  const host = await new Promise<string>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`docker-registry did not start:\n${log}`)), 60_000);
    const read = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      const listening = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]!);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`docker-registry exited with ${code}:\n${log}`)));
  });
  return {
    host,
    stop: async () => {
      process.removeListener('exit', orphan);
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * A minimal OCI image layout, written by hand: one empty tar layer, a config that carries
 * `label` (so that two layouts differ), the manifest, index.json and oci-layout.
 */
export function ociLayout(dir: string, label: string): string {
  const blobs = path.join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer) => {
    const digest = sha256(data);
    writeFileSync(path.join(blobs, digest.slice('sha256:'.length)), data);
    return { digest, size: data.length };
  };
  const layer = put(Buffer.alloc(1024)); // an empty tar archive: two zero blocks
  const imageConfig = { architecture: 'amd64', os: 'linux', config: { Labels: { label } } };
  const config = put(
    Buffer.from(JSON.stringify({ ...imageConfig, rootfs: { type: 'layers', diff_ids: [layer.digest] } })),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }],
  };
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
  writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return dir;
}

/**
 * Pushes a layout with skopeo (as a build step does) and gives the digest it reports. Without
 * blocking this process, whose token service may have to answer skopeo.
 */
export async function push(layout: string, image: string, credentials?: { user: string; password: string }) {
  const digestFile = path.join(layout, 'pushed-digest');
  const args = ['copy', '--quiet', '--dest-tls-verify=false', '--digestfile', digestFile];
  if (credentials) args.push('--dest-creds', `${credentials.user}:${credentials.password}`);
  await promisify(execFile)('skopeo', [...args, `oci:${layout}`, `docker://${image}`], {
    env: { ...process.env, REGISTRY_AUTH_FILE: path.join(layout, 'no-auth.json') },
  });
  return readFileSync(digestFile, 'utf8').trim();
}

/**
 * A repository managing one image, `repository`, whose manifest names it at the tag CI will push,
 * and that image pushed (with `credentials` when the registry wants them).
 */
export async function pushedProject(
  repository: string,
  credentials?: { user: string; password: string },
  manifest = 'k8s/app.yaml',
) {
  const config = `images:\n  - name: app\n    repository: ${repository}\n`;
  const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.yaml': config });
  const tag = nixtagCli(repo.dir, ['hash']).stdout.trim();
  repo.write({ [manifest]: deployment(`${repository}:${tag}`) });
  repo.commit('manifest');
  const digest = await push(ociLayout(tempDir(), repository), `${repository}:${tag}`, credentials);
  return { repo, repository, tag, digest };
}

/** A token service for the registry's bearer flow: basic credentials in, a signed JWT out. */
export interface TokenService {
  realm: string;
  certFile: string;
  /** The requests it answered: the scope asked for and whether the credentials were right. */
  requests: Array<{ scope: string | null; service: string | null; authorized: boolean }>;
  stop(): Promise<void>;
}

export async function startTokenService(
  dir: string,
  options: { user: string; password: string; service: string; issuer: string },
): Promise<TokenService> {
  mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const subject = ['-subj', '/CN=nixtag-test-token-service', '-days', '1'];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, ...subject],
    {
      stdio: 'ignore',
    },
  );
  const key = createPrivateKey(readFileSync(keyFile));
  const certificate = new X509Certificate(readFileSync(certFile));
  const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const expected = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
  const requests: TokenService['requests'] = [];

  const answer = (request: IncomingMessage) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const scope = url.searchParams.get('scope');
    const authorized = request.headers.authorization === expected;
    requests.push({ scope, service: url.searchParams.get('service'), authorized });
    if (!authorized) return { status: 401, body: { errors: [{ code: 'UNAUTHORIZED' }] } };
    const [type, name, actions] = (scope ?? '').split(':');
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: options.issuer,
      sub: options.user,
      aud: options.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: scope ? [{ type, name, actions: (actions ?? '').split(',') }] : [],
    };
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certificate.raw.toString('base64')] };
    const signed = `${base64url(header)}.${base64url(claims)}`;
    const token = `${signed}.${sign('sha256', Buffer.from(signed), key).toString('base64url')}`;
    return { status: 200, body: { token, access_token: token, expires_in: 300 } };
  };
  const server: Server = createServer((request, response) => {
    const { status, body } = answer(request);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
