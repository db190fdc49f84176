import { orSlowPath } from '../promises.js';
import path from 'node:path';
import type { GrepHit } from '../git/grep.js';
import { inRepository } from '../git/repository.js';
import { readMentionMemo, writeMentionMemo } from '../state/mentionMemo.js';
import { messages } from '../messages.js';
import type { Warning } from '../types.js';
import type { ResolvedImage } from './images.js';
import type { ManifestEntry } from './manifestEntry.js';
import { inValuePosition } from './mentionPlaces.js';
import { isMentionPlace, MENTION_PATHSPECS } from '../manifest/fileNames.js';
import { needlesOf } from './spellings.js';
import type { Session } from './session.js';

const NAME_CHARACTER = /[\w.-]/;
/**
 * Whether `text` names `needle` as a whole repository name (not `app-other`, not `x/app`, and,
 * for a needle without a registry, not `ghcr.io/app`), where a value can stand on the line.
 */
export function namesRepository(text: string, needle: string, bare: boolean): boolean {
  const lower = text.toLowerCase();
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + 1)) {
    const before = lower.slice(0, at);
    const after = lower[at + needle.length] ?? '';
    // A name never ends with a dot: `…/app.` ends a sentence, `…/app.v2` is another name.
    const ends =
      !NAME_CHARACTER.test(after) || (after === '.' && !NAME_CHARACTER.test(lower[at + needle.length + 1] ?? ''));
    const startsName = before === '' || !(NAME_CHARACTER.test(before.at(-1)!) || before.endsWith('/'));
    // Written without a registry, a Docker Hub name may still carry one.
    const hubHost = /(^|[^\w.-])(docker\.io|index\.docker\.io|registry-1\.docker\.io)\/(library\/)?$/.test(before);
    const tagged = /^[:@][\w]/.test(lower.slice(at + needle.length));
    if ((startsName || hubHost) && ends && after !== '/' && (!bare || tagged) && inValuePosition(text, at)) return true;
  }
  return false;
}

/** Beyond this many changed paths since the last search, every file is searched again. */
const MAX_CHANGED = 1_000;

/** By file, then line: the order git lists a tree's lines in. */
export const inTreeOrder = (a: GrepHit, b: GrepHit) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);

/**
 * The paths that differ between two trees; undefined when git cannot say (a tree pruned since),
 * or when a `.gitattributes` changed (it may make other files binary, or text, to git grep).
 */
async function changedSince(session: Session, tree: string): Promise<string[] | undefined> {
  const { gitMaybe } = await import('../git/git.js');
  const args = ['diff-tree', '-r', '-z', '--name-only', '--no-renames', tree, session.treeId];
  // A tree pruned since (`git gc` drops the trees nixtag wrote, which nothing else reaches).
  const output = await orSlowPath(gitMaybe(args, inRepository(session.repository)), undefined);
  const changed = output?.split('\0').filter((file) => file !== '');
  return changed === undefined || changed.some((file) => path.posix.basename(file) === '.gitattributes')
    ? undefined
    : changed;
}

/** What a search looks for: every spelling of the images' repositories, once each, in one order. */
export function spellingsOf(images: readonly ResolvedImage[]): string[] {
  return [...new Set(images.flatMap((image) => needlesOf(image)?.spellings ?? []))].sort();
}

/**
 * Starts looking for the images' repositories in the judged tree's files where an image can be
 * named (mentionPlaces.ts): from the last search's answer (state/mentionMemo.ts), by searching
 * only the files changed since its tree, when it looked for the same spellings in the same
 * places; otherwise in every such file.
 */
export async function grepRepositories(session: Session, images: readonly ResolvedImage[]): Promise<GrepHit[]> {
  const { grepTree, literalPathspecs } = await import('../git/grep.js');
  const wanted = spellingsOf(images);
  if (wanted.length === 0) return [];
  const { gitDir } = session.repository;
  // Without remembered scans the request turned caching off: every file is searched, nothing kept.
  const remember = session.scans !== undefined;
  const last = remember ? readMentionMemo(gitDir) : undefined;
  const same = last !== undefined && sameList(last.needles, wanted) && sameList(last.places, MENTION_PATHSPECS);
  if (same && last.tree === session.treeId) return last.lines;
  let hits: GrepHit[] | undefined;
  const changed = same ? await changedSince(session, last.tree) : undefined;
  if (same && changed !== undefined && changed.length <= MAX_CHANGED) {
    const gone = new Set(changed);
    const searched = changed.filter(isMentionPlace);
    const fresh =
      searched.length === 0
        ? []
        : await grepTree(session.repository, session.treeId, wanted, literalPathspecs(searched));
    hits = [...last.lines.filter((hit) => !gone.has(hit.file)), ...fresh].sort(inTreeOrder);
  }
  hits ??= (await grepTree(session.repository, session.treeId, wanted, MENTION_PATHSPECS)).sort(inTreeOrder);
  if (remember) {
    writeMentionMemo(gitDir, { tree: session.treeId, needles: wanted, places: [...MENTION_PATHSPECS], lines: hits });
  }
  return hits;
}

/**
 * The lines of `files`, which lie outside the places mentions are looked for by name (a resource
 * a kustomization names `deploy.txt`), that hold the images' repositories: searched in every run,
 * not remembered.
 */
export async function grepFiles(
  session: Session,
  images: readonly ResolvedImage[],
  files: readonly string[],
): Promise<GrepHit[]> {
  const { grepTree, literalPathspecs } = await import('../git/grep.js');
  const wanted = spellingsOf(images);
  if (wanted.length === 0 || files.length === 0) return [];
  return grepTree(session.repository, session.treeId, wanted, literalPathspecs(files));
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((item, index) => item === b[index]);

/** Whether a search for `searched` found what `images` need: the same spellings. */
export function sameSearch(searched: readonly ResolvedImage[], images: readonly ResolvedImage[]): boolean {
  return sameList(spellingsOf(searched), spellingsOf(images));
}

/**
 * Mentions: places that name a managed repository outside every managed reference (a Helm
 * template, a jsonnet file, a shape nixtag does not read), in a value, so that nothing is left
 * alone without a word. The configuration's files, which name every repository, are not one, nor
 * is any line a managed reference is read from (its tag, repository, registry or kustomize name).
 */
export function mentionWarnings(
  hits: readonly GrepHit[],
  images: readonly ResolvedImage[],
  manifests: readonly ManifestEntry[],
  configFiles: readonly string[],
  managedElsewhere: ReadonlyArray<{ file: string; line: number }> = [],
): Warning[] {
  const managed = new Set<string>(managedElsewhere.map(({ file, line }) => `${file}\0${line}`));
  for (const entry of manifests) {
    for (const { reference, image } of entry.references) {
      if (image === undefined) continue;
      for (const line of reference.occurrence.lines) managed.add(`${entry.file}\0${line}`);
    }
  }
  const all = images.map(needlesOf).filter((needles) => needles !== undefined);
  // Every spelling in image order: the first that names the line names its image.
  const bySpelling = all.flatMap((needles) => needles.spellings.map((spelling) => ({ spelling, needles })));
  const candidates = candidatesOf(bySpelling.map(({ spelling }) => spelling));
  const warnings: Warning[] = [];
  for (const hit of hits) {
    if (configFiles.includes(hit.file) || managed.has(`${hit.file}\0${hit.line}`)) continue;
    for (const index of candidates(hit.text)) {
      const { spelling, needles } = bySpelling[index]!;
      if (!namesRepository(hit.text, spelling, needles.bare)) continue;
      warnings.push({
        file: hit.file,
        line: hit.line,
        message: messages.mention(hit.file, hit.line, needles.image.repository),
        mention: true,
      });
      break;
    }
  }
  return warnings;
}

const WORD = /[\w.-]+/g;
const PLAIN_SEGMENT = /^[\w.-]+$/;

/**
 * The needles a line may name, in their order: a whole name ends in its last segment, which is a
 * word of the line (or one with a sentence's full stop after it). So each line costs its words,
 * however many repositories are managed; only a needle whose last segment is not a plain word
 * is tried on every line.
 */
function candidatesOf(needles: readonly string[]): (text: string) => number[] {
  const bySegment = new Map<string, number[]>();
  const always: number[] = [];
  needles.forEach((needle, index) => {
    const segment = needle.slice(needle.lastIndexOf('/') + 1);
    if (PLAIN_SEGMENT.test(segment)) bySegment.set(segment, [...(bySegment.get(segment) ?? []), index]);
    else always.push(index);
  });
  return (text) => {
    const found = new Set(always);
    for (const [word] of text.toLowerCase().matchAll(WORD)) {
      for (const index of bySegment.get(word) ?? []) found.add(index);
      if (word.endsWith('.')) for (const index of bySegment.get(word.slice(0, -1)) ?? []) found.add(index);
    }
    return [...found].sort((a, b) => a - b);
  };
}
