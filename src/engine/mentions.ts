import { orSlowPath } from '../promises.js';
import path from 'node:path';
import type { GrepHit } from '../git/grep.js';
import { inRepository } from '../git/repository.js';
import { readMentionMemo, writeMentionMemo } from '../state/mentionMemo.js';
import { messages } from '../messages.js';
import type { Warning } from '../types.js';
import type { ResolvedImage } from './images.js';
import type { ManifestEntry } from './manifestEntry.js';
import type { Session } from './session.js';

const NAME_CHARACTER = /[\w.-]/;

/** The text to look for per image: `host/path`, or for Docker Hub the path as people write it. */
function needles(images: readonly ResolvedImage[]): Map<string, ResolvedImage> {
  const byNeedle = new Map<string, ResolvedImage>();
  for (const image of images) {
    if (image.canonical === '') continue;
    const hub = image.canonical.startsWith('docker.io/');
    const needle = hub ? image.canonical.slice('docker.io/'.length).replace(/^library\//, '') : image.canonical;
    byNeedle.set(needle.toLowerCase(), image);
  }
  return byNeedle;
}

/** Whether `text` names the repository `needle` as a whole name (not `app-other`, not `x/app`). */
export function namesRepository(text: string, needle: string, hub: boolean): boolean {
  const lower = text.toLowerCase();
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + 1)) {
    const before = lower.slice(0, at);
    const after = lower[at + needle.length] ?? '';
    // A name never ends with a dot: `…/app.` ends a sentence, `…/app.v2` is another name.
    const ends =
      !NAME_CHARACTER.test(after) || (after === '.' && !NAME_CHARACTER.test(lower[at + needle.length + 1] ?? ''));
    const startsName = before === '' || !(NAME_CHARACTER.test(before.at(-1)!) || before.endsWith('/'));
    const hubHost =
      hub && /(^|[^\w.-])(docker\.io|index\.docker\.io|registry-1\.docker\.io)\/(library\/)?$/.test(before);
    if ((startsName || hubHost) && ends && after !== '/') return true;
  }
  return false;
}

/** Beyond this many changed paths since the last search, every file is searched again. */
const MAX_CHANGED = 1_000;

/** By file, then line: the order git lists a tree's lines in. */
const inTreeOrder = (a: GrepHit, b: GrepHit) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);

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

/**
 * Starts looking for the images' repositories in every text file of the judged tree: from the
 * last search's answer (state/mentionMemo.ts), by searching only the files changed since its
 * tree, when it looked for the same repositories; otherwise in every file.
 */
export async function grepRepositories(session: Session, images: readonly ResolvedImage[]): Promise<GrepHit[]> {
  const { grepTree } = await import('../git/grep.js');
  const wanted = [...needles(images).keys()];
  if (wanted.length === 0) return [];
  const { gitDir } = session.repository;
  // Without remembered scans the request turned caching off: every file is searched, nothing kept.
  const remember = session.scans !== undefined;
  const last = remember ? readMentionMemo(gitDir) : undefined;
  const same =
    last !== undefined &&
    last.needles.length === wanted.length &&
    last.needles.every((needle, index) => needle === wanted[index]);
  if (same && last.tree === session.treeId) return last.lines;
  let hits: GrepHit[] | undefined;
  const changed = same ? await changedSince(session, last.tree) : undefined;
  if (same && changed !== undefined && changed.length <= MAX_CHANGED) {
    const gone = new Set(changed);
    const fresh = await grepTree(session.repository, session.treeId, wanted, changed);
    hits = [...last.lines.filter((hit) => !gone.has(hit.file)), ...fresh].sort(inTreeOrder);
  }
  hits ??= (await grepTree(session.repository, session.treeId, wanted)).sort(inTreeOrder);
  if (remember) writeMentionMemo(gitDir, { tree: session.treeId, needles: wanted, lines: hits });
  return hits;
}

/**
 * Mentions: lines that name a managed repository outside every managed reference (a Helm
 * template, a jsonnet file, a doc, a shape nixtag does not read), so that nothing is left alone
 * without a word. The configuration's files, which name every repository, are not one.
 */
export function mentionWarnings(
  hits: readonly GrepHit[],
  images: readonly ResolvedImage[],
  manifests: readonly ManifestEntry[],
  configFiles: readonly string[],
): Warning[] {
  const managed = new Set<string>();
  for (const entry of manifests) {
    for (const { reference, image } of entry.references) {
      if (image === undefined) continue;
      for (const line of reference.occurrence.lines) managed.add(`${entry.file}\0${line}`);
    }
  }
  const byNeedle = [...needles(images)];
  const candidates = candidatesOf(byNeedle.map(([needle]) => needle));
  const warnings: Warning[] = [];
  for (const hit of hits) {
    if (configFiles.includes(hit.file) || managed.has(`${hit.file}\0${hit.line}`)) continue;
    for (const index of candidates(hit.text)) {
      const [needle, image] = byNeedle[index]!;
      if (!namesRepository(hit.text, needle, image.canonical.startsWith('docker.io/'))) continue;
      warnings.push({
        file: hit.file,
        line: hit.line,
        message: messages.mention(hit.file, hit.line, image.repository),
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
