/** An authentication challenge from a registry's `WWW-Authenticate` header (RFC 7235). */
export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

const PARAM = /\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*,?/y;
const SCHEME = /[\s,]*([A-Za-z][A-Za-z0-9_-]*)(?=[\s,]|$)\s*/y;

/**
 * The challenges in a `WWW-Authenticate` value, in order: `Bearer realm="…",service="…",scope="…"`
 * and `Basic realm="…"`. Other schemes are skipped.
 */
export function parseChallenges(header: string | null): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  let at = 0;
  while (at < header.length) {
    SCHEME.lastIndex = at;
    const scheme = SCHEME.exec(header);
    if (scheme === null) break;
    at = SCHEME.lastIndex;
    const params: Record<string, string> = {};
    for (;;) {
      PARAM.lastIndex = at;
      const param = PARAM.exec(header);
      if (param === null) break;
      params[param[1]!.toLowerCase()] = param[2] === undefined ? param[3]! : param[2].replace(/\\(.)/g, '$1');
      at = PARAM.lastIndex;
    }
    const name = scheme[1]!.toLowerCase();
    if (name === 'bearer' || name === 'basic') challenges.push({ scheme: name, params });
  }
  return challenges;
}
