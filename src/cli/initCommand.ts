import { messages } from '../messages.js';
import { EXIT } from './exitCode.js';
import type { Output } from './output.js';

/**
 * `nixtag init [--write] [--install]`: the proposed configuration on stdout (so that
 * `nixtag init > .nixtagrc.yaml` works), what the first fix changes on stderr; with --write the
 * file is written and stdout says so. It never asks: a hook or a script may run it.
 */
export async function runInit(flags: { write?: boolean; install?: boolean }, output: Output): Promise<number> {
  const { init } = await import('../init/init.js');
  const result = await init({ cwd: process.cwd(), write: flags.write, install: flags.install });
  const { formatWarnings } = await import('../report/text.js');
  output.err(formatWarnings(result.warnings));
  const summary =
    result.proposal.images.length === 0 ? [] : [messages.init.firstFix(result.changes.length), ...result.changes];
  if (result.written !== undefined) {
    output.out([messages.init.wrote(result.written), ...summary].join('\n'));
  } else {
    output.out(result.config);
    output.err(
      result.proposal.images.length === 0
        ? messages.init.nothingToManage()
        : [...summary, flags.write ? '' : messages.init.printed()].filter(Boolean).join('\n'),
    );
  }
  if (result.installed !== undefined) (await import('./installed.js')).printInstalled(result.installed, output);
  return EXIT.ok;
}
