import { traceCommands } from '../exec.js';
import { messages } from '../messages.js';
import { colours, type Colours } from '../report/colour.js';
import type { Output } from './output.js';
import { progressLine } from './progress.js';

export interface TerminalFlags {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** CI mode: output for a log, never a progress line or colour. */
  ci?: boolean;
}

/** A word of a command line as a shell would need it: quoted when it holds anything but plain characters. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/**
 * What the terminal gets for a command's flags: the progress line while Nix runs (a terminal's
 * stderr only, never with --json, --quiet or in CI mode), colour (a terminal only, never with
 * NO_COLOR or in CI mode), and with --verbose every git and Nix command line as it runs.
 */
export function terminal(
  flags: TerminalFlags,
  output: Output,
): {
  onEvaluate: ReturnType<typeof progressLine>;
  paint: Colours;
} {
  if (flags.verbose) {
    traceCommands((file, args, cwd) =>
      output.err(`${messages.ranCommand([file, ...args].map(shellWord).join(' '))}  (in ${cwd})`),
    );
  }
  return {
    onEvaluate: progressLine(process.stderr, !flags.json && !flags.quiet && !flags.ci),
    paint: flags.json || flags.ci ? colours({}) : colours(process.stdout),
  };
}
