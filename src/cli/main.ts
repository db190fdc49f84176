import { readFileSync } from 'node:fs';
import { cac } from 'cac';
import { isNixtagError, NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { runCheck, runFix, runHash, runHook, runInstall, type CommonFlags } from './commands.js';
import { EXIT, exitCodeFor } from './exitCode.js';
import { processOutput, type Output } from './output.js';
import { terminateChildren } from '../exec.js';
import { handleInterrupts } from './signals.js';

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function asPaths(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * Parses argv, runs one command and returns the exit status; never throws. `known` is what the
 * bin already found out (the index's tree, written by the idle pre-commit check).
 */
export async function main(
  argv: readonly string[],
  output: Output = processOutput,
  known: { indexTree?: string | undefined } = {},
): Promise<number> {
  const cli = cac('nixtag');
  let run: (() => Promise<number>) | undefined;
  let json = false;

  cli.option('--config <file>', 'Use this configuration file instead of the one in the judged tree');
  cli
    .command('check [...paths]', 'Verify that every managed image reference carries the tag CI will build')
    .option('--staged', 'Judge the index (what git commit records), not the working tree')
    .option('--rev <rev>', 'Judge a commit (what git push sends)')
    .option('--json', 'Print the result as JSON')
    .option('--verbose', 'Also list references that are up to date or not managed')
    .option('--no-cache', 'Ask Nix even when an earlier evaluation of the same inputs is known')
    .example('nixtag check --staged')
    .action((paths: unknown, flags: CommonFlags) => {
      json = Boolean(flags.json);
      run = () => runCheck(asPaths(paths), flags, output);
    });
  cli
    .command('fix [...paths]', 'Rewrite stale tags in place, changing nothing but the tag characters')
    .option('--staged', 'Rewrite the staged manifests in the index (and the working tree when nothing is lost)')
    .option('--json', 'Print the result as JSON')
    .option('--verbose', 'Also list references that are up to date or not managed')
    .option('--no-cache', 'Ask Nix even when an earlier evaluation of the same inputs is known')
    .action((paths: unknown, flags: CommonFlags) => {
      json = Boolean(flags.json);
      run = () => runFix(asPaths(paths), flags, output);
    });
  cli
    .command('hash', 'Print the tag CI will push for each image (the hash part of its Nix output path)')
    .option('--image <name>', 'Only this image')
    .option('--staged', 'Evaluate the index')
    .option('--rev <rev>', 'Evaluate a commit')
    .option('--json', 'Print the result as JSON')
    .option('--no-cache', 'Ask Nix even when an earlier evaluation of the same inputs is known')
    .action((flags: CommonFlags & { image?: string }) => {
      json = Boolean(flags.json);
      run = () => runHash(flags, output);
    });
  cli
    .command('hook <name> [...args]', "What the hook scripts call: pre-commit, or pre-push (reads git's stdin)")
    .option('--check', 'pre-commit: refuse a commit with a stale tag (default)')
    .option('--fix', 'pre-commit: rewrite stale tags in the index instead')
    .option('--verbose', 'Also list references that are up to date or not managed')
    .action((name: string, _args: unknown, flags: CommonFlags & { fix?: boolean }) => {
      run = () => runHook(name, flags, output, known.indexTree);
    });
  cli
    .command('install', 'Install the pre-commit hook (and the pre-push hook) into husky or plain git')
    .option('--husky', 'Add a line to .husky/<hook>')
    .option('--git', 'Install into the folder `git rev-parse --git-path hooks` names')
    .option('--pre-commit <mode>', 'check (refuse stale tags, default) or fix (rewrite them)')
    .option('--pre-push', 'Also install the pre-push hook')
    .action((flags: { husky?: boolean; git?: boolean; preCommit?: string; prePush?: boolean }) => {
      run = () => runInstall(flags, output);
    });
  cli.help();
  cli.version(version());

  handleInterrupts();
  try {
    const parsed = cli.parse(['node', 'nixtag', ...argv], { run: false });
    if (parsed.options.help || parsed.options.version) return EXIT.ok;
    if (cli.matchedCommand === undefined) {
      if (parsed.args.length > 0)
        throw new NixtagError('USAGE', messages.unknownCommand(String(parsed.args[0])), { hint: messages.helpHint() });
      cli.outputHelp();
      return EXIT.input;
    }
    await cli.runMatchedCommand();
    return run === undefined ? EXIT.ok : await run();
  } catch (error) {
    const { formatError } = await import('../report/text.js');
    if (isNixtagError(error)) {
      output.err(formatError(error));
      if (json) output.out((await import('../report/json.js')).errorJson(error));
    } else if ((error as { name?: string }).name === 'CACError') {
      output.err(formatError(new NixtagError('USAGE', (error as Error).message, { hint: messages.helpHint() })));
    } else {
      output.err(String((error as Error).stack ?? error));
      output.err(messages.unexpected());
    }
    return exitCodeFor(error);
  } finally {
    // Normally nothing is left; after an error, Nix evaluating another directory may be.
    await terminateChildren();
  }
}
