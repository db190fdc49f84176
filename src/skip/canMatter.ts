import { ESCAPE_PATTERNS } from '../git/grep.js';
import { isMentionPlace } from '../manifest/fileNames.js';
import { canMatter, type Judgement } from '../state/judgements.js';
import type { TreeSource } from '../tree/source.js';

/** Whether any of `files` (repository paths) could change the verdict; globs load only when needed. */
export async function anyCanMatter(judgement: Judgement, files: readonly string[]): Promise<boolean> {
  let matcher: ((file: string) => boolean) | undefined;
  for (const file of files) {
    if (judgement.globs !== undefined && matcher === undefined) {
      const picomatch = (await import('picomatch')).default;
      matcher = picomatch(judgement.globs, { dot: true });
    }
    if (canMatter(judgement, file, matcher)) return true;
  }
  return false;
}

/** Beyond this many files, their content is not searched: they count as mattering. */
const MAX_SEARCHED = 1_000;

/**
 * Whether any of `files` that lie where an image can be named (no other rule made them matter)
 * names a managed repository in the judged tree: a run reads such a file whatever the globs, and
 * refuses it when it is a kustomization that sets the image (a Flux Kustomization's patch:
 * Judgement.mentions). One `git grep` of the judged tree's content, only when there is such a
 * file; undefined when git cannot say.
 */
export async function anyNamesImage(
  judgement: Judgement,
  files: readonly string[],
  source: TreeSource,
  search: (args: readonly string[]) => Promise<string | undefined>,
): Promise<boolean | undefined> {
  const places = files.filter(isMentionPlace);
  if (places.length === 0) return false;
  const needles = judgement.mentions;
  if (needles === undefined) return true;
  if (needles.length === 0) return false;
  if (places.length > MAX_SEARCHED) return true;
  const literal = places.map((file) => `:(literal)${file}`);
  const where = source.kind === 'index' ? ['--cached'] : source.kind === 'rev' ? [source.rev] : [];
  const output = await search([
    'grep',
    '-l',
    '-z',
    '-I',
    '-i',
    '-F',
    '--no-color',
    ...needles.flatMap((needle) => ['-e', needle]),
    ...where,
    '--',
    ...literal,
  ]);
  if (output === undefined) return undefined;
  if (output !== '') return true;
  // The literal search can miss a name (git/grep.ts grepTree reads these files whole): in a file
  // git takes for binary, UTF-16 to kustomize, and in one with an escape that can spell it
  // (`reg.example\x2fapp`). Such a file matters.
  const [binary, escaped] = await Promise.all([
    search(['grep', '-l', '-z', '-a', '-P', '-e', '\\x00', ...where, '--', ...literal]),
    search(['grep', '-l', '-z', '-I', ...ESCAPE_PATTERNS, ...where, '--', ...literal]),
  ]);
  return binary === undefined || escaped === undefined ? undefined : binary !== '' || escaped !== '';
}
