#!/usr/bin/env node
import module from 'node:module';
import type { IndexVerdict } from '../engine/idle.js';

// Checked before anything else loads, so an old Node gets a sentence, not a stack trace.
const major = Number(process.versions.node.split('.')[0]);
// nixtag runs in every hook: V8's compiled code for its modules is kept between runs (Node's own
// cache, in the temporary directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off).
module.enableCompileCache?.();
const argv = process.argv.slice(2);

/**
 * An idle pre-commit hook (the index was already judged up to date) is answered before the
 * command-line parser and the engine load: hooks run on every commit.
 */
async function idlePreCommit(): Promise<IndexVerdict> {
  const plain =
    argv[0] === 'hook' &&
    argv[1] === 'pre-commit' &&
    argv.slice(2).every((arg) => arg === '--check' || arg === '--fix');
  if (!plain || process.env.NIXTAG_SKIP === '1') return { good: false };
  const { indexVerdict } = await import('../engine/idle.js');
  return indexVerdict(process.cwd()).catch(() => ({ good: false }));
}

if (major < 22) {
  const [{ messages }, { EXIT }] = await Promise.all([import('../messages.js'), import('./exitCode.js')]);
  process.stderr.write(`${messages.errorPrefix('NODE_VERSION')} ${messages.nodeTooOld(process.version)}\n`);
  process.exitCode = EXIT.tool;
} else {
  const idle = await idlePreCommit();
  if (idle.good) {
    process.exitCode = 0;
  } else {
    const { main } = await import('./main.js');
    process.exitCode = await main(argv, undefined, { indexTree: idle.tree });
  }
}
