import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nixtagBuild } from '../version.js';
import { ensureStateDirectory, statePaths } from './paths.js';

/** A line that names a repository (git/grep.ts GrepHit, as plain data). */
interface MentionLine {
  file: string;
  line: number;
  text: string;
}

/**
 * The mention search's last answer: the tree it searched, for which needles (every spelling of
 * the repositories) in which places (the pathspecs), and the lines found.
 */
export interface MentionMemo {
  tree: string;
  needles: string[];
  places: string[];
  lines: MentionLine[];
}

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const isLine = (value: unknown): value is MentionLine =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as MentionLine).file === 'string' &&
  typeof (value as MentionLine).line === 'number' &&
  typeof (value as MentionLine).text === 'string';

/**
 * The last search's answer, so that the next one searches only the files changed since its tree
 * (engine/mentions.ts): a commit to one service greps that service, not 100,000 files.
 */
export function readMentionMemo(gitDir: string): MentionMemo | undefined {
  try {
    const memo = JSON.parse(readFileSync(statePaths(gitDir).mentions, 'utf8')) as Partial<MentionMemo> & {
      build?: unknown;
    };
    // Another build may search otherwise: its lines are not this one's.
    const valid =
      memo.build === nixtagBuild() &&
      typeof memo.tree === 'string' &&
      isStrings(memo.needles) &&
      isStrings(memo.places) &&
      Array.isArray(memo.lines) &&
      memo.lines.every(isLine);
    return valid ? { tree: memo.tree!, needles: memo.needles!, places: memo.places!, lines: memo.lines! } : undefined;
  } catch {
    return undefined;
  }
}

export function writeMentionMemo(gitDir: string, memo: MentionMemo): void {
  const file = statePaths(gitDir).mentions;
  try {
    ensureStateDirectory(gitDir, path.dirname(file));
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ build: nixtagBuild(), ...memo }));
    renameSync(temporary, file);
  } catch {
    // Only a speed-up: the next search reads every file.
  }
}
