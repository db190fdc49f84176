import type { CAC } from 'cac';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { closest } from '../suggest.js';

const commandNames = (cli: CAC) => cli.commands.map((command) => command.name.split(' ')[0]!).filter(Boolean);

/** A command nixtag does not have: the nearest one it has, or its help. */
export function unknownCommandError(cli: CAC, name: string): NixtagError {
  const suggestion = closest(name, commandNames(cli));
  return new NixtagError('USAGE', messages.unknownCommand(name), {
    hint: suggestion === undefined ? messages.helpHint() : messages.didYouMean(suggestion),
  });
}

/** One of cac's own errors (an unknown option, a missing value), as a usage error with a hint. */
export function cacUsageError(cli: CAC, error: Error): NixtagError {
  const unknown = /^Unknown option `([^`]+)`/.exec(error.message);
  const command = cli.matchedCommand;
  const name = command?.name.split(' ')[0] || undefined;
  if (unknown !== null) {
    const option = unknown[1]!;
    const known = [...(command?.options ?? []), ...cli.globalCommand.options].flatMap((candidate) =>
      candidate.rawName.split(/[ ,]+/).filter((word) => word.startsWith('-')),
    );
    const suggestion = closest(option, known);
    return new NixtagError('USAGE', messages.unknownOption(option, name), {
      hint:
        suggestion === undefined ? messages.helpHint(name) : messages.didYouMean(`${name ?? ''} ${suggestion}`.trim()),
      cause: error,
    });
  }
  return new NixtagError('USAGE', error.message, { hint: messages.helpHint(name), cause: error });
}
