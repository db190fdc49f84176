import { createHash } from 'node:crypto';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { parseChallenges, type Challenge } from './challenge.js';
import type { Credential, CredentialStore } from './credentials.js';
import { Limiter, NoAnswer, readBody, request, settle, type HttpPolicy } from './http.js';
import { mayUseHttp, shownUrl } from './names.js';

/** Docker v2 and OCI manifests and indexes: whatever the tag names, its digest is asked for. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** What a registry says of one tag: its manifest's digest, or that there is no such manifest. */
export type ManifestAnswer = { found: true; digest: string } | { found: false };

export interface ClientOptions {
  insecure: readonly string[];
  credentials: CredentialStore;
  policy: HttpPolicy;
  /** Manifest requests in flight to one registry at once. */
  concurrency?: number;
}

const basicHeader = (credential: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;

/**
 * One registry's OCI distribution API, for one run: the scheme is settled once (HTTPS; plain
 * HTTP only for loopback and `registry.insecure`, after HTTPS got no answer, as Docker does),
 * tokens are fetched once per repository, and a few manifest requests run at once.
 */
export class RegistryClient {
  private base: Promise<URL> | undefined;
  private readonly tokens = new Map<string, Promise<string>>();
  private readonly limiter: Limiter;

  constructor(
    /** As users name it (`docker.io`): credentials and messages. */
    private readonly registry: string,
    /** Where the API answers (`registry-1.docker.io`). */
    private readonly apiHost: string,
    private readonly options: ClientOptions,
  ) {
    this.limiter = new Limiter(options.concurrency ?? 4);
  }

  /** The digest of the manifest `repository:reference` names (HEAD, then GET when HEAD gives none). */
  manifestDigest(repository: string, reference: string): Promise<ManifestAnswer> {
    return this.limiter.run(async () => {
      const path = `/v2/${repository}/manifests/${reference}`;
      const head = await this.authorized(repository, path, 'HEAD');
      await settle(head);
      if (head.status === 404) return { found: false };
      this.expectOk(head, path);
      const digest = head.headers.get('docker-content-digest');
      if (digest) return { found: true, digest };
      const get = await this.authorized(repository, path, 'GET');
      const body = get.status === 200 ? await readBody(get) : undefined;
      await settle(get);
      if (get.status === 404) return { found: false };
      this.expectOk(get, path);
      if (body === undefined) throw this.unreachable(messages.registryBodyLost());
      const header = get.headers.get('docker-content-digest');
      return { found: true, digest: header || `sha256:${createHash('sha256').update(body).digest('hex')}` };
    });
  }

  /** A settled answer other than 200 (or 404, which the caller took) is a refusal or a failure. */
  private expectOk(response: Response, path: string): void {
    if (response.status === 200) return;
    if (response.status === 401 || response.status === 403)
      throw new NixtagError('REGISTRY_REFUSED', messages.registryRefused(this.registry, response.status), {
        hint: messages.registryLoginHint(this.registry),
      });
    throw this.unreachable(messages.registryStatus(response.status, path));
  }

  private unreachable(why: string, cause?: unknown): NixtagError {
    return new NixtagError('REGISTRY_UNREACHABLE', messages.registryUnreachable(this.registry, why), {
      hint: messages.registryUnreachableHint(this.registry),
      cause,
    });
  }

  /** The API's base URL; the first request to a loopback or insecure registry decides its scheme. */
  private baseUrl(): Promise<URL> {
    this.base ??= (async () => {
      const https = new URL(`https://${this.apiHost}`);
      if (!mayUseHttp(this.registry, this.options.insecure)) return https;
      try {
        const probe = await request(new URL('/v2/', https), { method: 'GET' }, { ...this.options.policy, retries: 0 });
        await settle(probe);
        return https;
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        this.options.policy.log?.(messages.registryPlainHttp(this.registry, error.message));
        return new URL(`http://${this.apiHost}`);
      }
    })();
    return this.base;
  }

  /** A request that answers the registry's challenge once: a bearer token or basic credentials. */
  private async authorized(repository: string, path: string, method: 'HEAD' | 'GET'): Promise<Response> {
    const base = await this.baseUrl();
    const url = new URL(path, base);
    const send = async (authorization?: string) => {
      try {
        const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
        if (authorization !== undefined) headers.authorization = authorization;
        return await request(url, { method, headers }, this.options.policy);
      } catch (error) {
        throw error instanceof NoAnswer ? this.unreachable(error.message, error.cause) : error;
      }
    };
    const scope = `repository:${repository}:pull`;
    const known = this.tokens.get(scope);
    const first = await send(known === undefined ? undefined : `Bearer ${await known}`);
    if (first.status !== 401) return first;
    await settle(first);
    const [challenge] = parseChallenges(first.headers.get('www-authenticate'));
    const credential = await this.options.credentials.lookup(this.registry, repository);
    if (challenge?.scheme === 'bearer') {
      // One token request per repository: another request may have started it meanwhile. A token
      // that was refused is not offered again.
      let token = this.tokens.get(scope);
      if (token === undefined || token === known) {
        token = this.token(challenge, scope, credential);
        this.tokens.set(scope, token);
      }
      return send(`Bearer ${await token}`);
    }
    if (challenge?.scheme === 'basic' && credential?.kind === 'basic') return send(basicHeader(credential));
    throw new NixtagError('REGISTRY_REFUSED', messages.registryNeedsLogin(this.registry, credential !== undefined), {
      hint: messages.registryLoginHint(this.registry),
    });
  }

  /** The bearer-token flow: the realm, asked for the scope with the credentials (if any). */
  private async token(challenge: Challenge, scope: string, credential: Credential | undefined): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm || !URL.canParse(realm)) throw this.unreachable(messages.registryBadChallenge());
    const url = new URL(realm);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && mayUseHttp(url.host, this.options.insecure)))
      throw new NixtagError('REGISTRY_REFUSED', messages.registryPlainRealm(this.registry, shownUrl(url)));
    const service = challenge.params.service;
    const wanted = challenge.params.scope ?? scope;
    let init: RequestInit;
    if (credential?.kind === 'identity') {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credential.token,
        client_id: 'nixtag',
        scope: wanted,
      });
      if (service) form.set('service', service);
      init = { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    } else {
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', wanted);
      init = { method: 'GET', headers: credential === undefined ? {} : { authorization: basicHeader(credential) } };
    }
    let response: Response;
    try {
      response = await request(url, init, this.options.policy);
    } catch (error) {
      throw error instanceof NoAnswer
        ? this.unreachable(messages.registryTokenNoAnswer(shownUrl(url), error.message))
        : error;
    }
    const body = await readBody(response);
    if (response.status === 401 || response.status === 403)
      throw new NixtagError(
        'REGISTRY_REFUSED',
        messages.registryTokenRefused(this.registry, response.status, credential !== undefined),
        {
          hint: messages.registryLoginHint(this.registry),
        },
      );
    let answer: { token?: unknown; access_token?: unknown } = {};
    try {
      answer = JSON.parse(body?.toString('utf8') ?? '') as typeof answer;
    } catch {
      // judged below: no token in it
    }
    const token = typeof answer.token === 'string' ? answer.token : answer.access_token;
    if (response.status !== 200 || typeof token !== 'string' || token === '')
      throw this.unreachable(messages.registryTokenInvalid(shownUrl(url), response.status));
    return token;
  }
}
