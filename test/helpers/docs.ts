import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shell block that follows `<!-- KIND:NAME -->` in a page of the docs (README.md, docs/…), exactly as written there. */
export function docBlock(page: string, kind: string, name: string): string {
  const text = readFileSync(path.join(ROOT, page), 'utf8');
  const block = new RegExp(`<!-- ${kind}:${name} -->\\n+\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\n`).exec(text);
  if (block === null) throw new Error(`${page} has no ${kind}:${name} block`);
  return block[1]!;
}

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
