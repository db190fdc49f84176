#!/usr/bin/env node
import module from 'node:module';
import type { SkipAnswer } from '../skip/decide.js';

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
async function idle(): Promise<SkipAnswer | undefined> {
  if (process.env.NIXTAG_SKIP === '1' && argv[0] === 'hook') return undefined;
  const { idleAnswer } = await import('../skip/idle.js');
  // Unsure (any failure) means the full run, which answers or says what failed: the slow path
  // (promises.ts orSlowPath, not imported on the hooks' hottest path).
  return idleAnswer(argv, process.cwd()).catch(() => undefined);
}

const helpOrVersion = argv.length === 0 || argv.some((arg) => ['--help', '-h', '--version', '-v'].includes(arg));

/**
 * On a Node older than 22, --help and --version still answer (they need nothing new); any other
 * command runs again under a Node >= 22 found on PATH, recorded at install or where version
 * managers put it; without one, the error says what was tried and how to go on.
 */
async function onOldNode(): Promise<number> {
  if (helpOrVersion) return (await import('./main.js')).main(argv);
  const [{ messages }, { exitCodeForChild, EXIT }, { findNode }] = await Promise.all([
    import('../messages.js'),
    import('./exitCode.js'),
    import('./findNode.js'),
  ]);
  const found = process.env.NIXTAG_REEXEC === '1' ? { node: undefined, tried: [] } : findNode();
  if (found.node === undefined) {
    process.stderr.write(
      `${messages.errorPrefix('NODE_VERSION')} ${messages.nodeTooOld(process.version, process.execPath, found.tried)}\n${messages.hintPrefix()} ${messages.nodeHint()}\n`,
    );
    return EXIT.tool;
  }
  const { spawnSync } = await import('node:child_process');
  const child = spawnSync(found.node, [process.argv[1]!, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, NIXTAG_REEXEC: '1' },
  });
  return exitCodeForChild(child.status, child.signal);
}

if (major < 22) {
  process.exitCode = await onOldNode();
} else {
  const answer = await idle();
  if (answer?.kind === 'good' || answer?.kind === 'nothing-to-do') {
    // A hook that has nothing to say says nothing; `check` says what a full run would.
    if (argv[0] === 'check') {
      // Only the results' strings: all of messages.js costs about 10 ms more to load.
      const { resultsMessages: messages } = await import('../messages/results.js');
      const line = answer.kind === 'good' ? messages.allCurrent(answer.references) : messages.nothingToDo();
      process.stdout.write(`${line}\n`);
    }
    process.exitCode = (await import('./exitCode.js')).EXIT.ok;
  } else {
    const { main } = await import('./main.js');
    // Looked and found that the last judgement cannot answer: the hook need not ask again.
    process.exitCode = await main(argv, undefined, { idleChecked: answer?.kind === 'judge' });
  }
}
