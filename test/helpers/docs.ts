import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This checkout's root, where README.md and docs/ are. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** README.md and every page of docs/, as paths relative to the root. */
export function documentationFiles(): string[] {
  const pages = readdirSync(path.join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
  return ['README.md', ...pages.sort().map((name) => `docs/${name}`)];
}

export function readDocumentation(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8');
}

/** The fenced `lang` block that follows `<!-- MARKER -->` in FILE, exactly as written there. */
export function markedBlock(file: string, marker: string, lang = 'sh'): string {
  const block = new RegExp(`<!-- ${marker} -->\\n+\`\`\`${lang}\\n([\\s\\S]*?)\`\`\`\\n`).exec(readDocumentation(file));
  if (block === null) throw new Error(`${file} has no ${lang} block marked ${marker}`);
  return block[1]!;
}

/** The shell block that follows `<!-- KIND:NAME -->` in a page of the docs (README.md, docs/…), exactly as written there. */
export const docBlock = (page: string, kind: string, name: string): string => markedBlock(page, `${kind}:${name}`);

/** A script run by `sh -e` in `cwd`, as a user pastes it; stdout and stderr together. */
export function shell(
  cwd: string,
  env: NodeJS.ProcessEnv,
): (script: string) => Promise<{ code: number; output: string }> {
  return (script) =>
    new Promise((resolve) => {
      const child = spawn('sh', ['-e', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('close', (code) => resolve({ code: code ?? -1, output }));
    });
}
