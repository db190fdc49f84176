import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkoutGit } from './checkoutRepository.js';
import { git } from '../git/git.js';

/** A `.gitmodules` section, as `git submodule update --init` reads it. */
interface GitmodulesEntry {
  name: string;
  url: string | undefined;
  /** `submodule.<name>.update`, the last value given (git's lookup). */
  update: string | undefined;
}

/** One repository's `.gitmodules`, as a recursive clone reads it. */
export interface Gitmodules {
  /** Entries by `path` (two sections naming one path: the last, as git's lookup). */
  byPath: ReadonlyMap<string, GitmodulesEntry>;
  /**
   * Why git stops on the file whatever the submodule (clone exits 128): it does not parse, or an
   * `update` anywhere in it is a value `.gitmodules` may not hold (`!command`, a typo, none).
   */
  refused?: { key: string; value: string | undefined } | 'unparsed';
}

/** The `update` values git accepts in `.gitmodules` (a `!command` is for `.git/config` only). */
const UPDATE_MODES = new Set(['checkout', 'rebase', 'merge', 'none']);

/** `git config --null --list` records: `key\nvalue`, or a bare `key` (a value-less boolean). */
function records(output: string): Array<[string, string | undefined]> {
  return output
    .split('\0')
    .filter((record) => record !== '')
    .map((record) => {
      const newline = record.indexOf('\n');
      return newline === -1 ? [record, undefined] : [record.slice(0, newline), record.slice(newline + 1)];
    });
}

/** Parses `git config --null --list` of a `.gitmodules` (exported for tests). */
export function parseGitmodules(output: string): Gitmodules {
  const sections = new Map<
    string,
    { path?: string | undefined; url?: string | undefined; update?: string | undefined }
  >();
  let refused: Gitmodules['refused'];
  for (const [key, value] of records(output)) {
    // `submodule.<name>.<variable>`: git lowercases the section and the variable, never the name.
    const match = /^submodule\.(.+)\.([^.]+)$/.exec(key);
    if (match === null) continue;
    const [, name = '', variable = ''] = match;
    const section = sections.get(name) ?? {};
    sections.set(name, section);
    if (variable === 'path') section.path = value;
    else if (variable === 'url') section.url = value;
    else if (variable === 'update') {
      section.update = value;
      if (value === undefined || !UPDATE_MODES.has(value)) refused ??= { key, value };
    }
  }
  const byPath = new Map<string, GitmodulesEntry>();
  for (const [name, section] of sections) {
    if (section.path === undefined || section.path === '') continue;
    byPath.delete(section.path); // the last section naming a path is the one git finds
    byPath.set(section.path, { name, url: section.url, update: section.update });
  }
  return refused === undefined ? { byPath } : { byPath, refused };
}

/** The `.gitmodules` at the root of a checkout (or a submodule's work tree); none: no entries. */
export async function readGitmodules(workTree: string): Promise<Gitmodules> {
  if (!existsSync(path.join(workTree, '.gitmodules'))) return { byPath: new Map() };
  const output = await git(['config', '--file', '.gitmodules', '--null', '--list'], checkoutGit(workTree)).then(
    (text) => text,
    () => undefined, // git cannot parse it: neither can the clone
  );
  return output === undefined ? { byPath: new Map(), refused: 'unparsed' } : parseGitmodules(output);
}
