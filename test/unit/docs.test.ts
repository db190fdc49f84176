import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { messages } from '../../src/messages.js';
import { formatCheck } from '../../src/report/text.js';
import type { CheckResult } from '../../src/types.js';
import { documentationFiles, markedBlock, readDocumentation, ROOT } from '../helpers/docs.js';

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

/** One stale reference, read back from the README's example: `file:line:column: stale reference to IMAGE`. */
function staleResult(example: string, judged: 'index' | 'rev'): CheckResult {
  const [, file, line, column, image] = /^(\S+):(\d+):(\d+): stale reference to (\S+)$/m.exec(example)!;
  const [, current] = /^ {2}current: +(\S+)$/m.exec(example)!;
  const [, expected] = /^ {2}expected: +(\S+)$/m.exec(example)!;
  const reference = {
    file: file!,
    line: Number(line),
    column: Number(column),
    image: image!,
    status: 'stale' as const,
  };
  return { ok: false, judged, warnings: [], references: [{ ...reference, current: current!, expected: expected! }] };
}

// The README shows what a blocked commit and push print (taken from a real run): the report must still read so.
describe("the README's blocked commit and push", () => {
  /** What nixtag printed in the example: the lines after the typed command, but git's own `error:` lines. */
  const printed = (marker: string) =>
    markedBlock('README.md', marker, 'console')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('$ ') && !line.startsWith('error: '))
      .join('\n');
  const typed = (text: string) => text.replaceAll('npx nixtag', 'nixtag');

  it('a commit: the pre-commit hook judges the index', () => {
    const example = printed('output:blocked-commit');
    expect(typed(formatCheck(staleResult(example, 'index'), false))).toBe(typed(example));
  });

  it('a push: the pre-push hook judges each pushed ref', () => {
    const example = printed('output:blocked-push');
    const report = [messages.pushedRef('refs/heads/main'), formatCheck(staleResult(example, 'rev'), false)];
    expect(typed(report.join('\n'))).toBe(typed(example));
  });
});
