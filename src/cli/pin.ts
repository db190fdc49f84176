import { NixtagError } from '../errors.js';
import type { PinResult } from '../pin/pin.js';
import { messages } from '../messages.js';
import { EXIT } from './exitCode.js';
import type { Output } from './output.js';

export interface PinFlags {
  json?: boolean;
  config?: string;
  rev?: string;
  url?: string;
}

function printPin(result: PinResult, output: Output): void {
  output.out(result.file);
  for (const [name, value] of Object.entries(result.pin)) output.out(messages.pinField(name, String(value)));
}

/** `nixtag pin show | verify | update [--rev REV] [--url URL]`. */
export async function runPin(action: string | undefined, flags: PinFlags, output: Output): Promise<number> {
  const engine = await import('../pin/pin.js');
  const request = { cwd: process.cwd(), configFile: flags.config };
  if ((flags.rev !== undefined || flags.url !== undefined) && action !== 'update') {
    throw new NixtagError('USAGE', messages.pinOptionsNeedUpdate());
  }
  for (const [name, value] of [
    ['--rev', flags.rev],
    ['--url', flags.url],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new NixtagError('USAGE', messages.optionNeedsValue(name));
    }
  }
  switch (action) {
    case 'show': {
      const result = await engine.pinShow(request);
      if (flags.json) output.out(JSON.stringify({ ok: true, file: result.file, pin: result.pin }));
      else printPin(result, output);
      return EXIT.ok;
    }
    case 'verify': {
      const result = await engine.pinVerify(request);
      if (flags.json) output.out(JSON.stringify({ ok: true, file: result.file, pin: result.pin }));
      else output.out(messages.pinVerified(result.file, result.pin.sha256));
      return EXIT.ok;
    }
    case 'update': {
      const result = await engine.pinUpdate({ ...request, rev: flags.rev, url: flags.url });
      if (flags.json) {
        output.out(
          JSON.stringify({
            ok: true,
            file: result.file,
            changed: result.changed,
            staged: result.staged,
            pin: result.pin,
          }),
        );
      } else {
        output.out(messages.pinUpdated(result.file, result.changed));
        printPin(result, output);
        if (!result.staged) output.out(messages.pinNotStaged(result.file));
      }
      return EXIT.ok;
    }
    default:
      throw new NixtagError('USAGE', messages.unknownPinAction(action ?? ''), { hint: messages.helpHint() });
  }
}
