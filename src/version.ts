import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** nixtag's version, from the package manifest next to the built code. */
export function nixtagVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;
  return cached;
}
