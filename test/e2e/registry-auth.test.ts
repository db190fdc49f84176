import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nixtagCliAsync, type CliResult } from '../helpers/cli.js';
import {
  pushedProject,
  startRegistry,
  startTokenService,
  type TestRegistry,
  type TokenService,
} from '../helpers/registry.js';
import { tempDir, writeFiles } from '../helpers/repo.js';

const user = 'ci-robot';
const password = `pw-${randomBytes(12).toString('hex')}`;
const basic = Buffer.from(`${user}:${password}`).toString('base64');
let scratch: string;
let basicRegistry: TestRegistry;
let tokenRegistry: TestRegistry;
let tokens: TokenService;
/** Every output of every nixtag run in this file, for the test that greps them for secrets. */
const outputs: string[] = [];

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'nixtag-registry-auth-'));
  basicRegistry = await startRegistry(path.join(scratch, 'basic'), { kind: 'htpasswd', user, password });
  const service = 'nixtag-test-registry';
  const issuer = 'nixtag-test-issuer';
  tokens = await startTokenService(path.join(scratch, 'tokens'), { user, password, service, issuer });
  tokenRegistry = await startRegistry(path.join(scratch, 'token'), {
    kind: 'token',
    realm: tokens.realm,
    service,
    issuer,
    certFile: tokens.certFile,
  });
});
afterAll(async () => {
  await Promise.all([basicRegistry?.stop(), tokenRegistry?.stop(), tokens?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

let projects = 0;

const project = (host: string) => pushedProject(`${host}/auth${++projects}/app`, { user, password });

/** A home with no credentials but those `files` give; `env` on top. */
function home(files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = tempDir('nixtag-home-');
  writeFiles(dir, files);
  return {
    HOME: dir,
    DOCKER_CONFIG: '',
    REGISTRY_AUTH_FILE: '',
    XDG_RUNTIME_DIR: '',
    XDG_CONFIG_HOME: '',
    ...env,
    dir,
  };
}

async function run(cwd: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  const result = await nixtagCliAsync(cwd, args, env);
  outputs.push(result.stdout, result.stderr);
  return result;
}

const dockerConfig = (content: object) => ({ '.docker/config.json': JSON.stringify(content) });

/** A `docker-credential-NAME` helper script that logs the server it was asked about. */
function helper(name: string, answer: 'credentials' | 'not found') {
  const bin = tempDir('nixtag-bin-');
  const log = path.join(bin, 'asked');
  const reply =
    answer === 'credentials'
      ? `printf '{"ServerURL":"%s","Username":"${user}","Secret":"${password}"}' "$server"`
      : 'echo "credentials not found in native keychain"; exit 1';
  writeFiles(bin, {
    [`docker-credential-${name}`]: `#!/bin/sh\n[ "$1" = get ] || exit 2\nserver=$(cat)\necho "$server" >> ${log}\n${reply}\n`,
  });
  chmodSync(path.join(bin, `docker-credential-${name}`), 0o755);
  return { PATH: `${bin}:${process.env.PATH}`, asked: () => readFileSync(log, 'utf8').trim().split('\n') };
}

describe('check --registry with htpasswd basic auth', () => {
  it('reads credentials from config.json auths, and names a missing login otherwise (exit 3)', async () => {
    const { repo, digest } = await project(basicRegistry.host);
    const ok = await run(
      repo.dir,
      ['check', '--registry', '--digest', digest],
      home(dockerConfig({ auths: { [basicRegistry.host]: { auth: basic } } })),
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);

    const anonymous = await run(repo.dir, ['check', '--registry', '--digest', digest], home());
    expect(anonymous.code).toBe(3);
    expect(anonymous.stdout).toContain(`k8s/app.yaml:10:18: could not check ${basicRegistry.host}/`);
    expect(anonymous.stdout).toContain('asks for a login, and no credentials for it were found');
    expect(anonymous.stdout).toContain('docker login');

    const wrong = Buffer.from(`${user}:not-the-password`).toString('base64');
    const refused = await run(
      repo.dir,
      ['check', '--registry', '--json'],
      home(dockerConfig({ auths: { [`https://${basicRegistry.host}/v1/`]: { auth: wrong } } })),
    );
    expect(refused.code).toBe(3);
    const [reference] = (JSON.parse(refused.stdout) as { references: Array<{ registry: { error: { code: string } } }> })
      .references;
    expect(reference!.registry.error.code).toBe('REGISTRY_REFUSED');
  });

  it('asks a docker-credential helper named by credHelpers, and credsStore when no helper is named', async () => {
    const { repo, digest } = await project(basicRegistry.host);
    const perRegistry = helper('nixtagtest', 'credentials');
    const env = home(dockerConfig({ credHelpers: { [basicRegistry.host]: 'nixtagtest' } }), { PATH: perRegistry.PATH });
    const ok = await run(repo.dir, ['check', '--registry', '--digest', digest, '--verbose'], env);
    expect(ok.code).toBe(0);
    expect(perRegistry.asked()).toEqual([basicRegistry.host]);

    const store = helper('nixtagstore', 'credentials');
    const stored = await run(
      repo.dir,
      ['check', '--registry', '--digest', digest],
      home(dockerConfig({ credsStore: 'nixtagstore' }), { PATH: store.PATH }),
    );
    expect(stored.code).toBe(0);

    // A store that knows nothing: the plain auths entry beside it still counts, as in Docker.
    const empty = helper('nixtagempty', 'not found');
    const config = dockerConfig({ credsStore: 'nixtagempty', auths: { [basicRegistry.host]: { auth: basic } } });
    expect((await run(repo.dir, ['check', '--registry'], home(config, { PATH: empty.PATH }))).code).toBe(0);

    const missing = await run(repo.dir, ['check', '--registry'], home(dockerConfig({ credsStore: 'nosuchhelper' })));
    expect(missing.code).toBe(3);
    expect(missing.stdout).toContain('docker-credential-nosuchhelper');
  });

  it('reads REGISTRY_AUTH_FILE and $XDG_RUNTIME_DIR/containers/auth.json as skopeo and podman do', async () => {
    const { repo, digest } = await project(basicRegistry.host);
    const auth = JSON.stringify({ auths: { [basicRegistry.host]: { auth: basic } } });
    const explicit = home({ 'elsewhere/auth.json': auth });
    explicit.REGISTRY_AUTH_FILE = path.join(explicit.dir, 'elsewhere/auth.json');
    expect((await run(repo.dir, ['check', '--registry', '--digest', digest], explicit)).code).toBe(0);
    const runtime = home({ 'run/containers/auth.json': auth });
    runtime.XDG_RUNTIME_DIR = path.join(runtime.dir, 'run');
    expect((await run(repo.dir, ['check', '--registry', '--digest', digest], runtime)).code).toBe(0);
  });
});

describe('check --registry with a bearer token service', () => {
  it('fetches a pull token for the repository with the stored credentials', async () => {
    const { repo, digest, repository } = await project(tokenRegistry.host);
    const path_ = repository.slice(tokenRegistry.host.length + 1);
    tokens.requests.length = 0;
    const config = dockerConfig({ auths: { [tokenRegistry.host]: { username: user, password } } });
    const ok = await run(repo.dir, ['check', '--registry', '--digest', digest, '--verbose'], home(config));
    expect(ok.stderr).toContain(`GET ${tokens.realm}: 200`);
    expect(ok.code).toBe(0);
    expect(tokens.requests).toEqual([
      { scope: `repository:${path_}:pull`, service: 'nixtag-test-registry', authorized: true },
    ]);

    const anonymous = await run(repo.dir, ['check', '--registry'], home());
    expect(anonymous.code).toBe(3);
    expect(anonymous.stdout).toContain('refused an anonymous request (HTTP 401)');
  });
});

describe('credentials in output', () => {
  it('never shows the password, the basic credentials or a token in any output, verbose or JSON', async () => {
    const projects = [await project(basicRegistry.host), await project(tokenRegistry.host)];
    const bin = tempDir('nixtag-bin-');
    // A helper that prints the secret on stderr and answers with broken JSON.
    writeFiles(bin, {
      'docker-credential-nixtagbroken': `#!/bin/sh\necho '${password}' >&2\necho '{"Secret": "${password}"'\n`,
    });
    chmodSync(path.join(bin, 'docker-credential-nixtagbroken'), 0o755);
    const wrong = Buffer.from(`${user}:${password}x`).toString('base64');
    for (const { repo, repository } of projects) {
      const host = repository.slice(0, repository.indexOf('/'));
      const configs = [
        dockerConfig({ auths: { [host]: { auth: basic } } }),
        dockerConfig({ auths: { [host]: { auth: wrong } } }),
        dockerConfig({ credHelpers: { [host]: 'nixtagbroken' } }),
        { '.docker/config.json': `{"auths": {"${host}": {"auth": "${basic}"` }, // not JSON
      ];
      for (const files of configs)
        for (const flags of [['--verbose'], ['--json'], ['--verbose', '--digest', `sha256:${'0'.repeat(64)}`]])
          await run(repo.dir, ['check', '--registry', ...flags], home(files, { PATH: `${bin}:${process.env.PATH}` }));
    }
    const everything = outputs.join('\n');
    // What was run: successes, refusals, a broken helper and file, with the verbose request lines.
    expect(everything).toContain('nixtag: registry: HEAD http://');
    expect(everything).toContain(`GET ${tokens.realm}: 200`);
    for (const code of ['REGISTRY_REFUSED', 'REGISTRY_CREDENTIALS']) expect(everything).toContain(code);
    expect(everything).toContain('is not valid JSON');
    for (const secret of [password, basic, wrong, 'eyJ']) expect(everything).not.toContain(secret);
  });
});
