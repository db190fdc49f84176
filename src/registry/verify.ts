import { isNixtagError } from '../errors.js';
import { parseImageReference } from '../manifest/reference.js';
import type { CheckResult, ReferenceResult, RegistryFinding } from '../types.js';
import { RegistryClient, type ManifestAnswer } from './client.js';
import { authFiles, CredentialStore } from './credentials.js';
import { digestsFor, type ExpectedDigests } from './digests.js';
import { DEFAULT_POLICY, type HttpPolicy } from './http.js';
import { registryTarget, type RegistryTarget } from './names.js';

/** What `check --registry` asks beyond the local check. */
export interface RegistryRequest {
  /** `--digest`: what the build step exported. */
  digests?: ExpectedDigests | undefined;
  /** Per request; the default is 30 s. */
  timeoutMs?: number | undefined;
  /** `--verbose` lines (requests and their statuses; never a credential). */
  log?: ((line: string) => void) | undefined;
  /** Where credentials are read; the files skopeo and Docker read by default. */
  authFiles?: readonly string[] | undefined;
}

/** What the run's configuration says that the registry check needs. */
export interface RegistryContext {
  /** `registry.insecure`: plain-HTTP registries besides loopback. */
  insecure: readonly string[];
  /** The configured images' names (a `--digest NAME=` may name one without references). */
  configured: readonly string[];
}

/**
 * The image string to ask a registry about: as written, or, for a tag kept apart from a
 * repository that only the configuration names, that repository with the tag.
 */
function askedImage(reference: ReferenceResult): string {
  if (parseImageReference(reference.current) !== undefined || reference.expected === null) return reference.current;
  const expected = parseImageReference(reference.expected);
  if (expected === undefined || !reference.current.startsWith(':')) return reference.current;
  return `${expected.host === undefined ? '' : `${expected.host}/`}${expected.path}${reference.current}`;
}

function judge(target: RegistryTarget, answer: ManifestAnswer, wanted: string | undefined): RegistryFinding {
  const base = { registry: target.registry };
  if (!answer.found) return { ...base, status: 'missing', digest: null };
  const option = wanted === undefined ? undefined : { digest: wanted, from: 'option' as const };
  const pinned = target.pinned === undefined ? undefined : { digest: target.pinned, from: 'pinned' as const };
  // A pinned digest is what runtimes pull: it must be the tag's, whatever `--digest` says.
  const differs = [option, pinned].find((one) => one !== undefined && one.digest !== answer.digest);
  if (differs !== undefined) return { ...base, status: 'mismatch', digest: answer.digest, expected: differs };
  const expected = option ?? pinned;
  return { ...base, status: 'ok', digest: answer.digest, ...(expected === undefined ? {} : { expected }) };
}

/**
 * Asks each managed reference's registry for its manifest: every reference must be there, and,
 * with `--digest` (or a pinned `@sha256:`), have that digest. Identical questions are asked once;
 * registries are asked at the same time, each a few requests at once. A registry that cannot
 * answer makes its references `unreachable`; nothing here throws for a registry's sake.
 */
export async function verifyInRegistry(
  result: CheckResult,
  request: RegistryRequest,
  context: RegistryContext,
): Promise<CheckResult> {
  if (result.skipped) return result;
  const managed = result.references.filter((reference) => reference.image !== null);
  const images = [...new Set(managed.map((reference) => reference.image!))];
  const wanted = digestsFor(request.digests ?? { byImage: {} }, images, context.configured);
  const policy: HttpPolicy = { ...DEFAULT_POLICY, log: request.log };
  if (request.timeoutMs !== undefined) policy.timeoutMs = request.timeoutMs;
  const credentials = new CredentialStore(request.authFiles ?? authFiles());
  const clients = new Map<string, RegistryClient>();
  const answers = new Map<string, Promise<ManifestAnswer>>();

  const ask = (target: RegistryTarget): Promise<ManifestAnswer> => {
    const key = `${target.apiHost}/${target.repository}:${target.reference}`;
    let answer = answers.get(key);
    if (answer === undefined) {
      let client = clients.get(target.registry);
      if (client === undefined) {
        client = new RegistryClient(target.registry, target.apiHost, {
          insecure: context.insecure,
          credentials,
          policy,
        });
        clients.set(target.registry, client);
      }
      answer = client.manifestDigest(target.repository, target.reference);
      answers.set(key, answer);
    }
    return answer;
  };

  const references = await Promise.all(
    result.references.map(async (reference): Promise<ReferenceResult> => {
      if (reference.image === null) return reference;
      const target = registryTarget(askedImage(reference));
      if (target === undefined) return reference;
      try {
        const registry = judge(target, await ask(target), wanted.get(reference.image));
        // The tag's digest is the one pinned beside it: the reference is current after all.
        if (reference.digestUnverified === true && target.pinned !== undefined && registry.status === 'ok') {
          const verified: ReferenceResult = { ...reference, expected: reference.current, status: 'ok', registry };
          delete verified.digestUnverified;
          delete verified.digestDropped;
          return verified;
        }
        return { ...reference, registry };
      } catch (error) {
        if (!isNixtagError(error)) throw error;
        const finding: RegistryFinding = {
          status: 'unreachable',
          registry: target.registry,
          digest: null,
          error: { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) },
        };
        return { ...reference, registry: finding };
      }
    }),
  );
  // Stale only for digests the registry could clear: ok once each one is the tag's.
  const cleared =
    result.digestsUnverified === true && references.every((reference) => reference.digestUnverified !== true);
  const ok =
    (result.ok || cleared) &&
    references.every((reference) => reference.status !== 'stale') &&
    references.every((reference) => (reference.registry?.status ?? 'ok') === 'ok');
  const verified: CheckResult = { ...result, ok, references };
  if (cleared) delete verified.digestsUnverified;
  return verified;
}
