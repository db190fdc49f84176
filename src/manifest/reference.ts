/**
 * Image references as registries read them (the grammar of distribution/reference):
 * `[host[:port]/]path[:tag][@algorithm:hex]`. The first component is a host only when it has a
 * dot or a port, or is `localhost`; Docker Hub names get `docker.io` and, with one component,
 * `library/`.
 */
export interface ImageReference {
  /** The text as written. */
  raw: string;
  /** Registry host as written, possibly with port; undefined for Docker Hub shorthand. */
  host: string | undefined;
  /** Path as written after the host: `lewo/app`. */
  path: string;
  tag: string | undefined;
  digest: string | undefined;
  /** Registry-normalised name for comparisons: `docker.io/library/nginx`. */
  canonicalName: string;
  /** Offsets of the tag (without `:`) in `raw`, when there is one. */
  tagStart: number | undefined;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function splitHost(name: string): { host: string | undefined; path: string } {
  const slash = name.indexOf('/');
  if (slash === -1) return { host: undefined, path: name };
  const first = name.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
  return isHost ? { host: first, path: name.slice(slash + 1) } : { host: undefined, path: name };
}

/** The name registries compare: host lower-cased, Docker Hub aliases folded, `library/` added. */
export function canonicalImageName(host: string | undefined, imagePath: string): string {
  const lowered = host?.toLowerCase();
  const domain = lowered === undefined || DOCKER_HUB_ALIASES.has(lowered) ? 'docker.io' : lowered;
  const fullPath = domain === 'docker.io' && !imagePath.includes('/') ? `library/${imagePath}` : imagePath;
  return `${domain}/${fullPath}`;
}

/** Parses an image reference, or returns undefined when the text is not one. */
export function parseImageReference(raw: string): ImageReference | undefined {
  if (raw.length === 0 || raw.length > 512 || /\s/.test(raw)) return undefined;
  const at = raw.indexOf('@');
  const nameAndTag = at === -1 ? raw : raw.slice(0, at);
  const digest = at === -1 ? undefined : raw.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;

  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.indexOf(':', lastSlash + 1);
  const name = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon === -1 ? undefined : nameAndTag.slice(colon + 1);
  if (tag !== undefined && !TAG.test(tag)) return undefined;

  const { host, path } = splitHost(name);
  if (host !== undefined && !HOST.test(host)) return undefined;
  if (path.length === 0 || !path.split('/').every((component) => COMPONENT.test(component))) {
    return undefined;
  }
  return {
    raw,
    host,
    path,
    tag,
    digest,
    canonicalName: canonicalImageName(host, path),
    tagStart: colon === -1 ? undefined : colon + 1,
  };
}

/** Parses a repository as written in configuration (`registry/name`, no tag or digest). */
export function canonicalRepository(repository: string): string | undefined {
  const parsed = parseImageReference(repository);
  return parsed && parsed.tag === undefined && parsed.digest === undefined ? parsed.canonicalName : undefined;
}

/** A tag as written in a tag-only value, with the digest some charts append (`v1@sha256:…`). */
export interface WrittenTag {
  tag: string;
  digest: string | undefined;
}

/** Reads a tag-only value: a tag, optionally `@digest`; undefined when it is not one. */
export function parseWrittenTag(text: string): WrittenTag | undefined {
  const at = text.indexOf('@');
  const tag = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? undefined : text.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;
  return TAG.test(tag) ? { tag, digest } : undefined;
}

/**
 * What a value holds, read without context: `tag` when it is only a tag (one word, no `/`, `:`
 * before a digest), `reference` when it names a repository (`repo:tag`, `host/name`, `name@digest`),
 * undefined when it is neither (a template, a sentence). A single word is a tag: read as a
 * reference it would be a Docker Hub name without tag, which is never what a tag key holds.
 */
export function valueKind(text: string): 'tag' | 'reference' | undefined {
  if (parseWrittenTag(text) !== undefined) return 'tag';
  return parseImageReference(text) === undefined ? undefined : 'reference';
}
