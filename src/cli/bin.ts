#!/usr/bin/env node
import module from 'node:module';
import type { IdleAnswer } from '../engine/idle.js';

// Checked before anything else loads, so an old Node gets a sentence, not a stack trace.
const major = Number(process.versions.node.split('.')[0]);
// nixtag runs in every hook: V8's compiled code for its modules is kept between runs (Node's own
// cache, in the temporary directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off).
module.enableCompileCache?.();
const argv = process.argv.slice(2);

/**
 * A command with nothing to do (an idle hook, lint-staged's call on a tree whose inputs did not
 * change) is answered before the command-line parser and the engine load: hooks run on every
 * commit.
 */
async function idle(): Promise<IdleAnswer | undefined> {
  if (process.env.NIXTAG_SKIP === '1' && argv[0] === 'hook') return undefined;
  const { idleAnswer } = await import('../engine/idle.js');
  return idleAnswer(argv, process.cwd()).catch(() => undefined);
}

if (major < 22) {
  const [{ messages }, { EXIT }] = await Promise.all([import('../messages.js'), import('./exitCode.js')]);
  process.stderr.write(`${messages.errorPrefix('NODE_VERSION')} ${messages.nodeTooOld(process.version)}\n`);
  process.exitCode = EXIT.tool;
} else {
  const answer = await idle();
  if (answer !== undefined && answer.kind !== 'unanswered') {
    // A hook that has nothing to say says nothing; `check` says what a full run would.
    if (argv[0] === 'check') {
      const { messages } = await import('../messages.js');
      const line = answer.kind === 'good' ? messages.allCurrent(answer.references) : messages.nothingToDo();
      process.stdout.write(`${line}\n`);
    }
    process.exitCode = (await import('./exitCode.js')).EXIT.ok;
  } else {
    const { main } = await import('./main.js');
    process.exitCode = await main(argv, undefined, { idleChecked: answer?.kind === 'unanswered' });
  }
}
