import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { nixCode } from '../nix/source/code.js';
import { unpinnedFetches } from '../nix/source/fetches.js';
import { lex } from '../nix/source/lexer.js';
import { isNivSources } from '../nix/source/generated.js';

/** A construct found on one line of a file Nix evaluated; 1-based, the file relative to the tree. */
export interface Hit {
  file: string;
  line: number;
  column: number;
  /** The matched text. */
  text: string;
}

/**
 * The files of the tree among those Nix parsed (its `-vv` log names every one, on 2.8 and current
 * releases alike), relative to `root`; files outside it (the store, nixpkgs) are not the user's
 * to change.
 */
export function filesInTree(files: readonly string[], root: string): string[] {
  const inTree = new Set<string>();
  for (const file of files) {
    const relative = path.relative(root, file);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) inTree.add(relative.split(path.sep).join('/'));
  }
  return [...inTree];
}

/**
 * The position in the tree that an error trace names (`at /…/file.nix:3:7:`) nearest to the
 * line that matches `near` (the error itself): Nix 2.8 prints the error first and the innermost
 * frame after it, current releases the outermost frame first and the error last. Without `near`
 * (or a match), the first such position.
 */
export function tracePosition(log: string, root: string, near?: RegExp): Omit<Hit, 'text'> | undefined {
  const anchor = near === undefined ? -1 : log.search(near);
  let best: { place: Omit<Hit, 'text'>; distance: number } | undefined;
  for (const match of log.matchAll(/\bat (\/[^\n:]+):(\d+):(\d+):?/g)) {
    const relative = path.relative(root, match[1]!);
    if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
    const place = { file: relative.split(path.sep).join('/'), line: Number(match[2]), column: Number(match[3]) };
    if (anchor === -1) return place;
    const distance = Math.abs(match.index - anchor);
    if (best === undefined || distance < best.distance) best = { place, distance };
  }
  return best?.place;
}

/** Nix's error, without the `-vv` chatter before it. */
export function nixError(log: string): string {
  const at = log.search(/^error:/m);
  return (at === -1 ? log : log.slice(at)).trim();
}

/** Reads each evaluated file once, for every construct the rules look for in its code (nixCode). */
export class SourceScanner {
  readonly #lines = new Map<string, Promise<string[]>>();

  constructor(readonly root: string) {}

  readonly #texts = new Map<string, Promise<string>>();

  /** A file's text ('' where it cannot be read), read once. */
  #text(file: string): Promise<string> {
    let text = this.#texts.get(file);
    if (text === undefined) {
      text = readFile(path.join(this.root, file), 'utf8').catch(() => '');
      this.#texts.set(file, text);
    }
    return text;
  }

  /** `files` without niv's own generated `nix/sources.nix` (by its content, as check tells it). */
  async notNivSources(files: readonly string[]): Promise<string[]> {
    const generated = await Promise.all(files.map(async (file) => isNivSources(await this.#text(file))));
    return files.filter((_, index) => !generated[index]);
  }

  async hits(files: readonly string[], construct: RegExp): Promise<Hit[]> {
    const hits: Hit[] = [];
    for (const file of files) {
      let lines = this.#lines.get(file);
      if (lines === undefined) {
        lines = this.#text(file).then((text) => nixCode(text).split('\n'));
        this.#lines.set(file, lines);
      }
      (await lines).forEach((code, index) => {
        for (const match of code.matchAll(new RegExp(construct.source, 'g'))) {
          hits.push({ file, line: index + 1, column: match.index + 1, text: match[0] });
        }
      });
    }
    return hits;
  }

  /**
   * Each fetch whose content is not pinned (nix/source/fetches.ts), as check finds them: those of
   * the repository by branch (`byRef`), or the others.
   */
  async unpinnedFetches(files: readonly string[], byRef: boolean): Promise<Hit[]> {
    const hits: Hit[] = [];
    for (const file of files) {
      const text = await this.#text(file);
      const code = lex(text).filter((token) => token.kind !== 'comment');
      for (const { name, start } of unpinnedFetches(code).filter((fetch) => (fetch.byRef === true) === byRef)) {
        const line = text.slice(0, start).split('\n').length;
        hits.push({ file, line, column: start - text.lastIndexOf('\n', start - 1), text: name });
      }
    }
    return hits;
  }
}
