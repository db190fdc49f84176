import { readFileSync } from 'node:fs';
import { cac, type CAC } from 'cac';

type HelpSection = { title?: string; body: string };
import { isNixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { ciMode } from './ciMode.js';
import { runCheck, runFix, runHash, runHook, runInstall, type CommonFlags, type InstallFlags } from './commands.js';
import { EXIT, exitCodeFor } from './exitCode.js';
import { processOutput, type Output } from './output.js';
import { terminateChildren } from '../exec.js';
import { handleInterrupts } from './signals.js';
import type { DoctorFlags } from './doctor.js';
import type { PinFlags } from './pin.js';

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/**
 * cac's help, with what it leaves out: a command's own help says what the command does, and
 * `pin`'s lists its subcommands. A negated flag's implied `true` is not shown as a default
 * (`--no-cache … (default: true)`): it is not what it means.
 */
function withCommandHelp(cli: CAC, sections: HelpSection[]): HelpSection[] {
  const cleaned = sections.map((section) => ({ ...section, body: section.body.replaceAll(' (default: true)', '') }));
  const usage = cleaned.findIndex((section) => section.title === 'Usage');
  const name = /\$ nixtag (\S+)/.exec(cleaned[usage]?.body ?? '')?.[1];
  const command = cli.commands.find((candidate) => candidate.name !== '' && candidate.name === name);
  if (command === undefined) return cleaned;
  const extra: HelpSection[] = [{ body: `  ${command.description}` }];
  if (command.name === 'pin')
    extra.push({
      title: messages.help.subcommands,
      body: messages.help.pinActions.map((line) => `  ${line}`).join('\n'),
    });
  return [...cleaned.slice(0, usage + 1), ...extra, ...cleaned.slice(usage + 1)];
}

function asPaths(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * Parses argv, runs one command and returns the exit status; never throws. `known` is what the
 * bin already found out (that the idle check could not answer).
 */
export async function main(
  argv: readonly string[],
  output: Output = processOutput,
  known: { idleChecked?: boolean } = {},
): Promise<number> {
  const cli = cac('nixtag');
  let run: (() => Promise<number>) | undefined;
  let json = false;
  /** CI mode: errors too are printed for a log, without colour. */
  let plain = false;

  cli.option('--config <file>', messages.help.config);
  /** The options of the commands that judge a tree; `staged`/`rev` are their help lines, or absent. */
  const judging = (name: string, help: string, staged: string, rev?: string, verbose = true) => {
    const command = cli.command(name, help).option('--staged', staged);
    if (rev !== undefined) command.option('--rev <rev>', rev);
    command.option('--json', messages.help.json);
    if (verbose) command.option('--verbose', messages.help.verbose);
    command.option('--quiet', messages.help.quiet);
    command.option('--ci', messages.help.ci);
    command.option('--restrict-eval', messages.help.restrictEval);
    command.option('--allow-uri <prefix>', messages.help.allowUri);
    return command.option('--no-cache', messages.help.noCache);
  };
  const runs =
    (command: (flags: CommonFlags & { image?: string }, paths: string[]) => Promise<number>) =>
    (...args: unknown[]) => {
      const given = args.at(-1) as CommonFlags & { image?: string };
      const flags = { ...given, ci: ciMode(given.ci) };
      json = Boolean(flags.json);
      plain = flags.ci;
      run = () => command(flags, asPaths(args.length > 1 ? args[0] : []));
    };
  judging('check [...paths]', messages.help.check, messages.help.checkStaged, messages.help.checkRev)
    .option('--registry', messages.help.registry)
    .option('--digest <digest>', messages.help.digest)
    .option('--findings <file>', messages.help.findings)
    .option('--from <file>', messages.help.from)
    .option('--insecure-registry <host>', messages.help.insecureRegistry)
    .example('nixtag check --staged')
    .example('nixtag check --registry --digest sha256:…')
    .example('nixtag check --ci --findings /nixtag/findings.json')
    .example('nixtag check --registry --from /nixtag/findings.json --digest sha256:…')
    .action(runs((flags, paths) => runCheck(paths, flags, output)));
  judging('fix [...paths]', messages.help.fix, messages.help.fixStaged).action(
    runs((flags, paths) => runFix(paths, flags, output)),
  );
  judging('hash', messages.help.hash, messages.help.hashStaged, messages.help.hashRev, false)
    .option('--image <name>', messages.help.hashImage)
    .action(runs((flags) => runHash(flags, output)));
  cli
    .command('hook <name> [...args]', messages.help.hook)
    .option('--check', messages.help.hookCheck)
    .option('--fix', messages.help.hookFix)
    .option('--verbose', messages.help.verbose)
    .option('--quiet', messages.help.quiet)
    .action((name: string, args: string[], flags: CommonFlags & { fix?: boolean }) => {
      run = () => runHook(name, flags, output, known.idleChecked ?? false, args);
    });
  cli
    .command('install', messages.help.install)
    .option('--husky', messages.help.installHusky)
    .option('--git', messages.help.installGit)
    .option('--pre-commit <mode>', messages.help.installPreCommit)
    .option('--pre-push', messages.help.installPrePush)
    .option('--pre-push-only', messages.help.installPrePushOnly)
    .option('--shared-hooks', messages.help.installSharedHooks)
    .action((flags: InstallFlags) => {
      run = () => runInstall(flags, output);
    });
  cli
    .command('pin [action]', messages.help.pin)
    .usage(messages.help.pinUsage)
    .option('--rev <rev>', messages.help.pinRev)
    .option('--url <url>', messages.help.pinUrl)
    .option('--json', messages.help.json)
    .action(async (action: string | undefined, flags: PinFlags) => {
      json = Boolean(flags.json);
      const { runPin } = await import('./pin.js');
      run = () => runPin(action, flags, output);
    });
  cli
    .command('doctor', messages.help.doctor)
    .option('--json', messages.help.json)
    .option('--ci', messages.help.ci)
    .action(async (given: DoctorFlags) => {
      const flags = { ...given, ci: ciMode(given.ci) };
      json = Boolean(flags.json);
      plain = flags.ci;
      const { runDoctor } = await import('./doctor.js');
      run = () => runDoctor(flags, output);
    });
  cli
    .command('init', messages.help.init)
    .option('--write', messages.help.initWrite)
    .option('--install', messages.help.initInstall)
    .action((flags: { write?: boolean; install?: boolean }) => {
      run = async () => (await import('./initCommand.js')).runInit(flags, output);
    });
  cli.command('help [command]', messages.help.helpCommand).action((name: string | undefined) => {
    run = async () => {
      if (name === undefined) cli.globalCommand.outputHelp();
      else {
        const command = cli.commands.find((candidate) => candidate.name === name);
        if (command === undefined) throw (await import('./usage.js')).unknownCommandError(cli, name);
        command.outputHelp();
      }
      return EXIT.ok;
    };
  });
  cli.help((sections) => withCommandHelp(cli, sections));
  cli.version(version());

  handleInterrupts();
  try {
    const parsed = cli.parse(['node', 'nixtag', ...argv], { run: false });
    if (parsed.options.help || parsed.options.version) return EXIT.ok;
    if (cli.matchedCommand === undefined) {
      if (parsed.args.length > 0) throw (await import('./usage.js')).unknownCommandError(cli, String(parsed.args[0]));
      cli.outputHelp();
      return EXIT.input;
    }
    await cli.runMatchedCommand();
    return run === undefined ? EXIT.ok : await run();
  } catch (error) {
    const { formatError } = await import('../report/text.js');
    if (isNixtagError(error)) {
      const { colours, noColours } = await import('../report/colour.js');
      output.err(formatError(error, plain ? noColours : colours(process.stderr)));
      if (json) output.out((await import('../report/json.js')).errorJson(error));
    } else if ((error as { name?: string }).name === 'CACError') {
      output.err(formatError((await import('./usage.js')).cacUsageError(cli, error as Error)));
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
