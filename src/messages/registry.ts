/** Registry (check --registry): never given a credential: user-facing strings (part of `messages`, src/messages.ts). */
import { list } from './shared.js';

export const registryMessages = {
  registryUnreachable: (registry: string, why: string) => `registry ${registry} did not answer: ${why}`,
  registryUnreachableHint: (registry: string) =>
    `Check that ${registry} is up and reachable from here; a registry that speaks plain HTTP must be listed in \`registry.insecure\` (loopback registries always may).`,
  registryTimeout: (seconds: number) => `no answer within ${seconds} s`,
  registryNoSuchHost: () => 'no such host',
  registryBodyLost: () => 'the connection failed while the manifest was read',
  registryStatus: (status: number, path: string) => `HTTP ${status} for ${path}`,
  registryRefused: (registry: string, status: number) =>
    `registry ${registry} refused access to the manifest (HTTP ${status}): the login found for it, if any, may not read this repository.`,
  registryNeedsLogin: (registry: string, hadCredentials: boolean) =>
    hadCredentials
      ? `registry ${registry} asks for a login that the stored credentials do not satisfy.`
      : `registry ${registry} asks for a login, and no credentials for it were found.`,
  registryLoginHint: (registry: string) =>
    `Log in as skopeo or Docker would (\`skopeo login ${registry}\`, \`docker login ${registry}\`): nixtag reads REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json and ~/.docker/config.json (credHelpers and credsStore included).`,
  registryBadChallenge: () => 'its authentication challenge names no usable token service (realm)',
  registryPlainRealm: (registry: string, realm: string) =>
    `registry ${registry} sends its token requests to ${realm}, over plain HTTP; nixtag sends no credentials there.`,
  registryTokenNoAnswer: (realm: string, why: string) => `its token service ${realm} did not answer: ${why}`,
  registryTokenRefused: (registry: string, status: number, hadCredentials: boolean) =>
    `the token service of registry ${registry} refused ${hadCredentials ? 'the stored credentials' : 'an anonymous request'} (HTTP ${status}).`,
  registryTokenInvalid: (realm: string, status: number) => `its token service ${realm} gave no token (HTTP ${status})`,
  registryAuthFileInvalid: (file: string) => `The credentials file ${file} is not valid JSON.`,
  credentialHelperMissing: (program: string) =>
    `The credential helper ${program}, which the Docker configuration names, is not on PATH.`,
  credentialHelperFailed: (program: string, registry: string) =>
    `The credential helper ${program} failed to give credentials for ${registry}.`,
  registryExchange: (method: string, url: string, status: number) => `nixtag: registry: ${method} ${url}: ${status}`,
  registryRetry: (url: string, seconds: number) => `nixtag: registry: ${url}: retrying in ${seconds} s`,
  registryPlainHttp: (registry: string, why: string) =>
    `nixtag: registry: ${registry}: HTTPS got no answer (${why}); using plain HTTP`,
  digestInvalid: (value: string) => `--digest '${value}' is not a digest (sha256:<64 hex>) or NAME=digest.`,
  digestTwice: () => '--digest gives two different digests without an image name.',
  digestForWhich: (images: readonly string[]) =>
    `One --digest without a name, but references name ${images.length} images: ${list(images)}.`,
  digestForNothing: (image: string | undefined) =>
    image === undefined
      ? '--digest was given, but no managed reference is there to compare it with.'
      : `--digest names image '${image}', but no managed reference names that image.`,
  digestHint: () =>
    'Give the digest the build step exported, `--digest sha256:…`, or one per image, `--digest NAME=sha256:…`.',
  digestNeedsRegistry: () => '--digest compares with the registry: give --registry too.',
  registryMissing: (file: string, line: number, column: number, image: string, registry: string) =>
    `${file}:${line}:${column}: ${image} is not in registry ${registry}`,
  registryMissingHint: () =>
    "  the tag was never pushed: push the image before this check; a deploy would pull nothing (the seed's `skopeo inspect | jq -e` step lets it through)",
  registryMismatchHint: () =>
    '  the tag names another image than the one expected: another build was pushed under it, or the manifest names another tag (`nixtag hash` prints the tag CI pushes)',
  registryMismatch: (file: string, line: number, column: number, image: string, digest: string) =>
    `${file}:${line}:${column}: ${image} has digest ${digest} in the registry`,
  registryExpected: (digest: string, from: 'option' | 'pinned') =>
    `  expected: ${digest} (${from === 'option' ? '--digest' : 'pinned in the manifest'})`,
  registryNoAnswer: (file: string, line: number, column: number, image: string, why: string) =>
    `${file}:${line}:${column}: could not check ${image}: ${why}`,
  registryPresent: (file: string, line: number, column: number, image: string, digest: string) =>
    `${file}:${line}:${column}: ${image} in the registry as ${digest}`,
  registrySummary: (present: number, missing: number, mismatched: number, unanswered: number, compared: number) =>
    missing + mismatched + unanswered === 0
      ? `nixtag: registry: ${present} reference${present === 1 ? '' : 's'} present${compared > 0 ? ', with the expected digest' : ''}.`
      : `nixtag: registry: ${[
          missing > 0 ? `${missing} missing` : '',
          mismatched > 0 ? `${mismatched} with another digest` : '',
          unanswered > 0 ? `${unanswered} not checked (the registry did not answer or refused)` : '',
        ]
          .filter(Boolean)
          .join(', ')}.`,
  findingsUnreadable: (file: string, why: string) => `Cannot read the findings file ${file}: ${why}`,
  findingsInvalid: (file: string) =>
    `${file} is not a findings file written by \`nixtag check --findings\` (of this version).`,
  findingsHint: () =>
    'The step that evaluates the repository writes it with `nixtag check --ci --findings FILE`; give that FILE to `nixtag check --registry --from FILE`, with the same nixtag version.',
};
