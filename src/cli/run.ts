import type { SkipAnswer } from '../skip/decide.js';

/** Where an idle `check` says its one line; the CLI's stdout unless a caller captures it. */
type Say = (line: string) => void;

/**
 * A command on Node >= 22, as the bin runs it; returns the exit status. A command with nothing to
 * do (an idle hook, lint-staged's call on a tree whose inputs did not change) is answered before
 * the command-line parser and the engine load: hooks run on every commit. The tests run the same
 * path in-process (test/helpers/inProcess.ts).
 */
export async function runCommand(
  argv: readonly string[],
  cwd: string,
  output?: { out: Say; err: Say },
): Promise<number> {
  const answer = await idle(argv, cwd);
  if (answer?.kind === 'good' || answer?.kind === 'nothing-to-do') {
    // A hook that has nothing to say says nothing; `check` says what a full run would.
    if (argv[0] === 'check') {
      // Only the results' strings: all of messages.js costs about 10 ms more to load.
      const { resultsMessages: messages } = await import('../messages/results.js');
      const line = answer.kind === 'good' ? messages.allCurrent(answer.references) : messages.nothingToDo();
      if (output) output.out(line);
      else process.stdout.write(`${line}\n`);
    }
    return (await import('./exitCode.js')).EXIT.ok;
  }
  const { main } = await import('./main.js');
  // Looked and found that the last judgement cannot answer: the hook need not ask again.
  return main(argv, output, { idleChecked: answer?.kind === 'judge' });
}

async function idle(argv: readonly string[], cwd: string): Promise<SkipAnswer | undefined> {
  if (process.env.NIXTAG_SKIP === '1' && argv[0] === 'hook') return undefined;
  // CI mode trusts no earlier judgement kept in the workspace (`--ci` itself is never answered here).
  if (argv[0] !== 'hook' && (await import('./ciMode.js')).ciMode(undefined)) return undefined;
  const { idleAnswer } = await import('../skip/idle.js');
  // Unsure (any failure) means the full run, which answers or says what failed: the slow path
  // (promises.ts orSlowPath, not imported on the hooks' hottest path).
  return idleAnswer(argv, cwd).catch(() => undefined);
}
