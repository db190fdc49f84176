import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { exec } from '../exec.js';
import { messages } from '../messages.js';
import { credentialKeys, helperServer, normaliseAuthKey } from './names.js';

/** What a registry is logged in with: a user and password, or an identity (refresh) token. */
export type Credential = { kind: 'basic'; username: string; password: string } | { kind: 'identity'; token: string };

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

const HELPER_TIMEOUT_MS = 15_000;

/**
 * The files skopeo, podman and Docker read credentials from, in the order skopeo reads them:
 * `REGISTRY_AUTH_FILE` (else `$XDG_RUNTIME_DIR/containers/auth.json`), then
 * `$XDG_CONFIG_HOME/containers/auth.json`, then Docker's `config.json` (`$DOCKER_CONFIG` or
 * `~/.docker`).
 */
export function authFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? homedir();
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  else if (env.XDG_RUNTIME_DIR) files.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'containers', 'auth.json'));
  files.push(path.join(env.DOCKER_CONFIG || path.join(home, '.docker'), 'config.json'));
  return files;
}

async function readAuthFile(file: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined; // no such file: nothing logged in there
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as AuthFile) : undefined;
  } catch {
    // The text may hold secrets: the message names the file, never its content.
    throw new NixtagError('REGISTRY_CREDENTIALS', messages.registryAuthFileInvalid(file));
  }
}

function fromEntry(entry: AuthEntry): Credential | undefined {
  if (entry.identitytoken) return { kind: 'identity', token: entry.identitytoken };
  if (entry.username !== undefined && entry.password !== undefined)
    return { kind: 'basic', username: entry.username, password: entry.password };
  if (!entry.auth) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1
    ? undefined
    : { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Asks `docker-credential-<helper> get` (Docker's credential helper protocol); undefined when it knows nothing. */
async function fromHelper(helper: string, registry: string): Promise<Credential | undefined> {
  const program = `docker-credential-${helper}`;
  const result = await exec(program, ['get'], {
    cwd: homedir(),
    env: process.env,
    input: helperServer(registry),
    signal: AbortSignal.timeout(HELPER_TIMEOUT_MS),
  });
  if (result.missing) throw new NixtagError('REGISTRY_CREDENTIALS', messages.credentialHelperMissing(program));
  // Its output is never shown: it may hold the secret.
  if (result.failed) {
    if (/credentials not found/i.test(result.stdout)) return undefined;
    throw new NixtagError('REGISTRY_CREDENTIALS', messages.credentialHelperFailed(program, registry));
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(result.stdout) as { Username?: unknown; Secret?: unknown };
  } catch {
    throw new NixtagError('REGISTRY_CREDENTIALS', messages.credentialHelperFailed(program, registry));
  }
  if (typeof answer.Secret !== 'string' || answer.Secret === '') return undefined;
  if (answer.Username === '<token>') return { kind: 'identity', token: answer.Secret };
  return {
    kind: 'basic',
    username: typeof answer.Username === 'string' ? answer.Username : '',
    password: answer.Secret,
  };
}

/** One file's answer for a registry: its helper for that registry, its store, then its `auths`. */
async function fromFile(file: AuthFile, registry: string, repository: string): Promise<Credential | undefined> {
  const keys = credentialKeys(registry, repository);
  const helper = keys.map((key) => file.credHelpers?.[key]).find((name) => name !== undefined);
  if (helper) return fromHelper(helper, registry);
  if (file.credsStore) {
    const stored = await fromHelper(file.credsStore, registry);
    if (stored !== undefined) return stored;
  }
  const auths = new Map(Object.entries(file.auths ?? {}).map(([key, entry]) => [normaliseAuthKey(key), entry]));
  for (const key of keys) {
    const entry = auths.get(normaliseAuthKey(key));
    const credential = entry === undefined ? undefined : fromEntry(entry);
    if (credential !== undefined) return credential;
  }
  return undefined;
}

/** The credential for a repository, from the first file that has one; looked up once per run. */
export class CredentialStore {
  private readonly found = new Map<string, Promise<Credential | undefined>>();

  constructor(private readonly files: readonly string[] = authFiles()) {}

  lookup(registry: string, repository: string): Promise<Credential | undefined> {
    const key = `${registry}/${repository}`;
    let found = this.found.get(key);
    if (found === undefined) {
      found = (async () => {
        for (const file of this.files) {
          const content = await readAuthFile(file);
          const credential = content === undefined ? undefined : await fromFile(content, registry, repository);
          if (credential !== undefined) return credential;
        }
        return undefined;
      })();
      this.found.set(key, found);
    }
    return found;
  }
}
