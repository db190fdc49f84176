#!/usr/bin/env node
import module from 'node:module';
import type { messages as allMessages } from '../messages.js';

type Messages = typeof allMessages;

// Checked before anything else loads, so an old Node gets a sentence, not a stack trace.
const major = Number(process.versions.node.split('.')[0]);
// nixtag runs in every hook: V8's compiled code for its modules is kept between runs (Node's own
// cache, in the temporary directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off).
module.enableCompileCache?.();
const argv = process.argv.slice(2);

const helpOrVersion =
  argv.length === 0 || argv[0] === 'help' || argv.some((arg) => ['--help', '-h', '--version', '-v'].includes(arg));

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
      `${messages.errorPrefix('NODE_VERSION')} ${messages.nodeTooOld(process.version, process.execPath, found.tried)}\n${messages.hintPrefix()} ${nodeHint(messages)}\n`,
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

/** Where the pre-commit framework runs nixtag from an environment of its own, what to change there. */
function nodeHint(messages: Messages): string {
  const environment = process.env.NODE_VIRTUAL_ENV;
  return process.env.PRE_COMMIT === '1' && environment
    ? messages.nodeHintPreCommitEnvironment(environment)
    : messages.nodeHint();
}

if (major < 22) {
  process.exitCode = await onOldNode();
} else {
  const { runCommand } = await import('./run.js');
  process.exitCode = await runCommand(argv, process.cwd());
}
