/**
 * Where an image reference can live outside the shapes nixtag manages: configuration and data
 * files (YAML, JSON, Helm templates, CUE, Jsonnet, Terraform/HCL, TOML, dotenv, Dockerfiles).
 * Prose (a README, a CHANGELOG), scripts and code name images in passing. Each is a git pathspec
 * pattern, where `*` matches any characters, `/` included.
 */
const PLACES: ReadonlyArray<{ pattern: string; icase: boolean }> = [
  ...['yaml', 'yml', 'json', 'tpl', 'gotmpl', 'cue', 'jsonnet', 'libsonnet', 'tf', 'tfvars', 'hcl', 'toml', 'env'].map(
    (extension) => ({ pattern: `*.${extension}`, icase: true }),
  ),
  { pattern: '*Dockerfile*', icase: true },
  { pattern: '*Containerfile*', icase: true },
  { pattern: '*Kustomization', icase: false },
];

/** The places as `git grep` pathspecs. */
export const MENTION_PATHSPECS: readonly string[] = PLACES.map(({ pattern, icase }) =>
  icase ? `:(icase)${pattern}` : pattern,
);

const PLACE_PATTERNS = PLACES.map(
  ({ pattern, icase }) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      icase ? 'is' : 's',
    ),
);

/** Whether a path is one the pathspecs match (the mention memo searches changed paths by it). */
export function isMentionPlace(file: string): boolean {
  return PLACE_PATTERNS.some((pattern) => pattern.test(file));
}

/** Where a comment starts on a line (`#` or `//` at its start or after a blank, outside quotes). */
function commentStart(line: string): number {
  let quote: string | undefined;
  for (let index = 0; index < line.length; index++) {
    const character = line[index]!;
    if (quote !== undefined) {
      if (character === '\\' && quote === '"') index++;
      else if (character === quote) quote = undefined;
      continue;
    }
    if (character === '"' || character === "'") {
      quote = character;
      continue;
    }
    const startsWord = index === 0 || /\s/.test(line[index - 1]!);
    if (startsWord && (character === '#' || line.startsWith('//', index))) return index;
  }
  return line.length;
}

/** Where the key a line opens with ends (`key:`, `"key":`, `key =`), after any list dashes; 0 without one. */
function keyEnd(line: string): number {
  const match = /^\s*(?:-\s+)*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s:"'=#{}[\],][^:=#]*?)\s*(?::(?=\s|$)|=)/.exec(line);
  return match === null ? 0 : match[0].length;
}

/**
 * Whether the characters at `at` on `line` sit where a value can: not in a comment, and not in
 * the key the line starts with (a block string's line, a list item or a Dockerfile's FROM all
 * count).
 */
export function inValuePosition(line: string, at: number): boolean {
  return at < commentStart(line) && at >= keyEnd(line);
}
