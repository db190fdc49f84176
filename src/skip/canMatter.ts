import { canMatter, type Judgement } from '../state/judgements.js';

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
