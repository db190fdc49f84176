import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { documentationFiles, readDocumentation, ROOT } from '../helpers/docs.js';

/** A newcomer reads the README in ten minutes; reference material belongs in docs/. */
const README_LIMIT = 15_360;

/** The text outside fenced code blocks, and the fenced blocks with their language. */
function split(markdown: string): { prose: string; blocks: Array<{ lang: string; body: string }> } {
  const blocks: Array<{ lang: string; body: string }> = [];
  const prose = markdown.replace(/^```(\w*)\n([\s\S]*?)^```$/gm, (_all, lang: string, body: string) => {
    blocks.push({ lang, body });
    return '';
  });
  return { prose, blocks };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of split(markdown).prose.matchAll(/^#{1,6} +(.+?) *$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Every relative link of a page: [text](target), outside code. */
function relativeLinks(markdown: string): string[] {
  const prose = split(markdown).prose.replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('the documentation', () => {
  const files = documentationFiles();

  it(`keeps the README under ${README_LIMIT} bytes`, () => {
    expect(statSync(path.join(ROOT, 'README.md')).size).toBeLessThanOrEqual(README_LIMIT);
  });

  it.each(files)('%s: every relative link reaches a file and a heading that exist', (file) => {
    const broken: string[] = [];
    for (const link of relativeLinks(readDocumentation(file))) {
      const [target = '', anchor] = link.split('#');
      const resolved = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
      if (!existsSync(path.join(ROOT, resolved))) {
        broken.push(`${link}: no file ${resolved}`);
      } else if (anchor !== undefined && !anchors(readDocumentation(resolved)).has(anchor)) {
        broken.push(`${link}: no heading #${anchor} in ${resolved}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('links every page of docs/ from the README', () => {
    const linked = new Set(relativeLinks(readDocumentation('README.md')).map((link) => link.split('#')[0]));
    expect(files.filter((file) => file.startsWith('docs/') && !linked.has(file))).toEqual([]);
  });
});

/** `nixtag COMMAND --help` as the CLI prints it (cac writes help with console.info). */
async function help(command: string): Promise<string> {
  let printed = '';
  vi.spyOn(console, 'info').mockImplementation((...args: unknown[]) => void (printed += `${args.join(' ')}\n`));
  const output = { out: (text: string) => void (printed += text), err: (text: string) => void (printed += text) };
  expect(await main([command, '--help'], output)).toBe(0);
  return printed;
}

/** Every `nixtag …` command in the shell blocks: the words after `nixtag`, comments left out. */
function commandLines(): Array<{ file: string; words: string[] }> {
  const lines: Array<{ file: string; words: string[] }> = [];
  for (const file of documentationFiles()) {
    for (const block of split(readDocumentation(file)).blocks.filter((candidate) => candidate.lang === 'sh')) {
      for (const line of block.body.split('\n')) {
        for (const command of line.replace(/ #.*$/, '').split(/&&|\|\||;/)) {
          const words = command.trim().split(/\s+/);
          const start = words.findIndex(
            (word, index) => word === 'nixtag' && (index === 0 || words[index - 1] === 'npx'),
          );
          if (start === 0 || (start === 1 && words[0] === 'npx')) lines.push({ file, words: words.slice(start + 1) });
        }
      }
    }
  }
  return lines;
}

describe('the nixtag command lines in the README and docs/', () => {
  afterEach(() => vi.restoreAllMocks());
  const lines = commandLines();

  it('are found', () => {
    expect(lines.length).toBeGreaterThan(10);
  });

  it.each(lines.map(({ file, words }) => [`${file}: nixtag ${words.join(' ')}`, words] as const))(
    '%s: a command nixtag has, with options it takes',
    async (_name, words) => {
      const [command = '', ...rest] = words;
      const text = await help(command);
      expect(text, `no command '${command}'`).toContain(`$ nixtag ${command}`);
      const options = rest.filter((word) => word.startsWith('--')).map((word) => word.split('=')[0]!);
      expect(options.filter((option) => !new RegExp(`(^|[ ,])${option}( |$)`, 'm').test(text))).toEqual([]);
    },
  );
});
