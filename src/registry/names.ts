import { isIP } from 'node:net';
import { parseImageReference } from '../manifest/reference.js';

/** What to ask which registry for one image reference. */
export interface RegistryTarget {
  /** The registry as users name it (`docker.io`, `127.0.0.1:5000`): the key of credentials and messages. */
  registry: string;
  /** Where its API answers: `registry-1.docker.io` for Docker Hub, else the registry itself. */
  apiHost: string;
  /** The repository in the API's path: `library/nginx`, `lewo/app`. */
  repository: string;
  /** The tag or digest the manifest is asked by. */
  reference: string;
  /** A digest the reference itself pins (`repo:tag@sha256:…`). */
  pinned: string | undefined;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';

/**
 * The registry, repository and tag of an image string, by Docker's rules: a name without a host is
 * on Docker Hub, whose one-component names live under `library/` and whose API is at
 * registry-1.docker.io; a reference without tag or digest means `latest`.
 */
export function registryTarget(image: string): RegistryTarget | undefined {
  const parsed = parseImageReference(image);
  if (parsed === undefined) return undefined;
  const slash = parsed.canonicalName.indexOf('/');
  const canonicalHost = parsed.canonicalName.slice(0, slash);
  const registry = canonicalHost === DOCKER_HUB ? DOCKER_HUB : (parsed.host ?? DOCKER_HUB);
  return {
    registry,
    apiHost: registry === DOCKER_HUB ? DOCKER_HUB_API : registry,
    repository: parsed.canonicalName.slice(slash + 1),
    reference: parsed.tag ?? parsed.digest ?? 'latest',
    pinned: parsed.tag === undefined ? undefined : parsed.digest,
  };
}

/** The host name of `host[:port]`, without brackets around an IPv6 address. */
function hostName(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon === -1 ? registry : registry.slice(0, colon);
}

/** `localhost`, 127.0.0.0/8 and ::1: registries Docker talks plain HTTP to without being told. */
export function isLoopback(registry: string): boolean {
  const name = hostName(registry).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) !== 6) return false;
  // As the URL parser writes it: ::1, or 127.0.0.0/8 mapped into IPv6 (::ffff:7fxx:xxxx).
  const normal = new URL(`http://[${name}]`).hostname;
  return normal === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(normal);
}

/** Whether plain HTTP may be used: loopback, or listed in the configuration's `registry.insecure`. */
export function mayUseHttp(registry: string, insecure: readonly string[]): boolean {
  const lowered = registry.toLowerCase();
  return isLoopback(registry) || insecure.some((entry) => entry.toLowerCase().replace(/\/+$/, '') === lowered);
}

/**
 * The keys a credential store may list a registry under, most specific first: containers'
 * auth.json allows `registry/namespace/repo` keys; Docker writes Docker Hub as its v1 URL.
 */
export function credentialKeys(registry: string, repository: string): string[] {
  const keys: string[] = [];
  const parts = repository.split('/');
  for (let end = parts.length; end > 0; end--) keys.push(`${registry}/${parts.slice(0, end).join('/')}`);
  keys.push(registry);
  if (registry === DOCKER_HUB) keys.push('https://index.docker.io/v1/', 'index.docker.io', DOCKER_HUB_API);
  return keys;
}

/** The server URL a `docker-credential-*` helper is asked about. */
export function helperServer(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

/** A key of an `auths` map, as Docker reads it: scheme and path dropped (`https://host/v1/` is `host`). */
export function normaliseAuthKey(key: string): string {
  const withoutScheme = key.replace(/^[a-z]+:\/\//i, '');
  return /^https?:\/\//i.test(key) ? withoutScheme.split('/')[0]! : withoutScheme.replace(/\/+$/, '');
}

/** A URL as it may be shown: without user information, query or fragment (a token endpoint's query is harmless, but kept short). */
export function shownUrl(url: URL | string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
