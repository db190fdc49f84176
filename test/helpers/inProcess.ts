import { runCommand } from '../../src/cli/run.js';
import { escapeText } from '../../src/escape.js';
import { traceCommands } from '../../src/exec.js';
import { renderColours } from '../../src/report/colour.js';
import type { CliResult } from './cli.js';
import { testEnv } from './repo.js';

/** The environment the worker started with: each run's environment is made from it afresh. */
const original = { ...process.env };

/** Runs one at a time: cwd and environment are the process's own. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * `nixtag <args>` run in this process as the bin runs it (the idle answer, then the CLI), with
 * the environment the built CLI gets from test/helpers/cli.ts: for tables of cases where the
 * process boundary is not the point, as a Node start-up per case costs more than the case.
 * Each file keeps a few cases through the built CLI (test/e2e) for the wiring. Needs the forks
 * pool (process.chdir); output is escaped and coloured as processOutput does.
 */
export function nixtag(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const run = queue.then(() => runInProcess(cwd, args, env));
  queue = run.catch(() => undefined);
  return run;
}

async function runInProcess(cwd: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const render = (text: string) => (text ? `${renderColours(escapeText(text))}\n` : '');
  const output = { out: (text: string) => (stdout += render(text)), err: (text: string) => (stderr += render(text)) };
  const before = process.cwd();
  const saved = process.env;
  process.env = { ...original };
  process.env = testEnv(env);
  process.chdir(cwd);
  try {
    const code = await runCommand(args, cwd, output);
    return { code, stdout, stderr };
  } finally {
    traceCommands(undefined); // --verbose's listener belongs to that run
    process.chdir(before);
    process.env = saved;
  }
}
