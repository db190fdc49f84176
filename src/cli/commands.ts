import type { Output } from './output.js';
import { EXIT } from './exitCode.js';

export interface CommonFlags {
  json?: boolean;
  config?: string;
  verbose?: boolean;
}

/** Each command loads what it needs on first use, so `--help` and idle hooks start fast. */
export async function runCheck(paths: string[], flags: CommonFlags, output: Output): Promise<number> {
  const [{ check }, text, json] = await Promise.all([
    import('../engine/check.js'),
    import('../report/text.js'),
    import('../report/json.js'),
  ]);
  const result = await check({ cwd: process.cwd(), paths, configFile: flags.config });
  output.err(text.formatWarnings(result.warnings));
  output.out(flags.json ? json.checkJson(result) : text.formatCheck(result, flags.verbose ?? false));
  return result.ok ? EXIT.ok : EXIT.stale;
}

export async function runFix(paths: string[], flags: CommonFlags, output: Output): Promise<number> {
  const [{ fix }, text, json] = await Promise.all([
    import('../engine/fix.js'),
    import('../report/text.js'),
    import('../report/json.js'),
  ]);
  const result = await fix({ cwd: process.cwd(), paths, configFile: flags.config });
  output.err(text.formatWarnings(result.warnings));
  output.out(flags.json ? json.checkJson(result) : text.formatCheck(result, flags.verbose ?? false));
  return result.ok ? EXIT.ok : EXIT.stale;
}

export async function runHash(flags: CommonFlags & { image?: string }, output: Output): Promise<number> {
  const [{ hash }, text, json] = await Promise.all([
    import('../engine/hash.js'),
    import('../report/text.js'),
    import('../report/json.js'),
  ]);
  const result = await hash({ cwd: process.cwd(), configFile: flags.config, image: flags.image });
  output.err(text.formatWarnings(result.warnings));
  output.out(flags.json ? json.hashJson(result) : text.formatHash(result));
  return EXIT.ok;
}
