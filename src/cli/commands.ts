import path from 'node:path';
import type { Confinement } from '../config/confinement.js';
import { isNixtagError, NixtagError } from '../errors.js';
import type { CheckResult } from '../types.js';
import type { TreeSource } from '../tree/source.js';
import { messages } from '../messages.js';
import { EXIT, exitCodeForResult } from './exitCode.js';
import type { Output } from './output.js';
import { terminal } from './terminal.js';

export interface CommonFlags {
  json?: boolean;
  config?: string;
  verbose?: boolean;
  staged?: boolean;
  rev?: string;
  cache?: boolean;
  quiet?: boolean;
  /** check: also ask each reference's registry; `digest` (repeatable) is what it must have. */
  registry?: boolean;
  digest?: string | string[];
  /** CI mode (`--ci`, or CI=true: see ciMode.ts), decided once by main. */
  ci?: boolean;
  /** Confinement the configuration cannot turn off, and what it allows (repeatable). */
  restrictEval?: boolean;
  allowUri?: string | string[];
  insecureRegistry?: string | string[];
  /** check: write what was found to this file; or, with --registry, judge that file's findings. */
  findings?: string;
  from?: string;
}

const many = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat().map(String));

/** What the command line keeps from the repository; undefined when the configuration decides. */
function confinementOf(flags: CommonFlags): Confinement | undefined {
  const ci = flags.ci === true;
  const allowedUris = many(flags.allowUri);
  const insecureRegistries = many(flags.insecureRegistry);
  if (ci || flags.restrictEval) return { ci, allowedUris, insecureRegistries };
  const loose = allowedUris.length > 0 ? '--allow-uri' : insecureRegistries.length > 0 ? '--insecure-registry' : '';
  if (loose) throw new NixtagError('USAGE', messages.confinedOnly(loose), { hint: messages.confinedOnlyHint() });
  return undefined;
}

/** `--staged` judges the index, `--rev` a commit; neither, the working tree's tracked files. */
function sourceOf(flags: CommonFlags): TreeSource | undefined {
  if (flags.staged && flags.rev !== undefined)
    throw new NixtagError('USAGE', messages.stagedOrRev(), { hint: messages.stagedOrRevHint() });
  if (flags.rev !== undefined) {
    if (typeof flags.rev !== 'string' || flags.rev === '')
      throw new NixtagError('USAGE', messages.revNeedsValue(), { hint: messages.stagedOrRevHint() });
    return { kind: 'rev', rev: flags.rev };
  }
  return flags.staged ? { kind: 'index' } : undefined;
}

function engineOptions(paths: string[], flags: CommonFlags, output: Output) {
  const { onEvaluate } = terminal(flags, output);
  return {
    cwd: process.cwd(),
    paths,
    configFile: flags.config,
    source: sourceOf(flags),
    cache: flags.cache,
    onEvaluate,
    confinement: confinementOf(flags),
  };
}

/** --quiet: a result with nothing stale and nothing fixed prints nothing. */
const silent = (result: CheckResult, flags: CommonFlags) =>
  flags.quiet === true &&
  result.ok &&
  result.managesNothing === undefined && // an unprotected repository is never silent
  !result.references.some((reference) => reference.status === 'fixed');

/** Prints a check or fix result, warnings apart, and gives its exit status. */
async function report(result: CheckResult, flags: CommonFlags, output: Output): Promise<number> {
  const [text, json] = await Promise.all([import('../report/text.js'), import('../report/json.js')]);
  if (!flags.quiet) output.err(text.formatWarnings(result.warnings, flags.verbose ?? false));
  if (flags.json) output.out(json.checkJson(result, flags.registry));
  else if (!silent(result, flags))
    output.out(text.formatCheck(result, flags.verbose ?? false, terminal(flags, output).paint));
  if (flags.registry && !flags.json && !result.skipped)
    output.out((await import('../report/registry.js')).formatRegistry(result, flags.verbose ?? false));
  if (result.refused !== undefined && !flags.json)
    output.err(text.formatRefused(result.refused, terminal(flags, output).paint));
  if (result.failures !== undefined && !flags.json)
    output.err(text.formatFailures(result.failures, terminal(flags, output).paint));
  return exitCodeForResult(result);
}

/** Each command loads what it needs on first use, so `--help` and idle hooks start fast. */
export async function runCheck(paths: string[], flags: CommonFlags, output: Output): Promise<number> {
  if (flags.from !== undefined) return runCheckFindings(paths, flags, output);
  const [{ check }, registry] = await Promise.all([import('../engine/check.js'), registryRequest(flags, output)]);
  const findings = flags.findings === undefined ? undefined : path.resolve(process.cwd(), String(flags.findings));
  return report(await check({ ...engineOptions(paths, flags, output), registry, findings }), flags, output);
}

/** `check --registry --from FILE`: the step with the credentials, which opens no repository. */
async function runCheckFindings(paths: string[], flags: CommonFlags, output: Output): Promise<number> {
  const alone = (option: string) => new NixtagError('USAGE', messages.fromAlone(option), { hint: messages.fromHint() });
  if (!flags.registry) throw new NixtagError('USAGE', messages.fromNeedsRegistry(), { hint: messages.fromHint() });
  if (paths.length > 0) throw alone(paths[0]!);
  const given = (['staged', 'rev', 'config', 'findings', 'restrictEval', 'allowUri'] as const).find(
    (name) => flags[name] !== undefined && flags[name] !== false,
  );
  if (given !== undefined) throw alone(`--${given.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`);
  const [{ checkFindings }, registry] = await Promise.all([
    import('../engine/check.js'),
    registryRequest(flags, output),
  ]);
  const from = path.resolve(process.cwd(), String(flags.from));
  const result = await checkFindings({ from, registry: registry!, insecure: many(flags.insecureRegistry) });
  return report(result, flags, output);
}

/** `--registry` and `--digest`, read before anything is evaluated, so a typo costs nothing. */
async function registryRequest(flags: CommonFlags, output: Output) {
  const values = flags.digest === undefined ? [] : [flags.digest].flat().map(String);
  if (!flags.registry) {
    if (values.length > 0) throw new NixtagError('USAGE', messages.digestNeedsRegistry());
    return undefined;
  }
  const { parseDigestOptions } = await import('../registry/digests.js');
  return { digests: parseDigestOptions(values), log: flags.verbose ? output.err : undefined };
}

export async function runFix(paths: string[], flags: CommonFlags, output: Output): Promise<number> {
  if (flags.rev !== undefined)
    throw new NixtagError('USAGE', messages.fixNeedsWritableTree(), { hint: messages.fixNeedsWritableTreeHint() });
  const { fix } = await import('../engine/fix.js');
  return report(await fix(engineOptions(paths, flags, output)), flags, output);
}

export async function runHash(flags: CommonFlags & { image?: string }, output: Output): Promise<number> {
  const [{ hash }, text, json] = await Promise.all([
    import('../engine/hash.js'),
    import('../report/text.js'),
    import('../report/json.js'),
  ]);
  const result = await hash({ ...engineOptions([], flags, output), image: flags.image });
  output.err(text.formatWarnings(result.warnings));
  output.out(flags.json ? json.hashJson(result) : text.formatHash(result));
  return EXIT.ok;
}

async function readStdin(): Promise<string> {
  // A terminal is a person, not git: never wait for them.
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runHook(
  name: string,
  flags: CommonFlags & { fix?: boolean; check?: boolean },
  output: Output,
  idleChecked = false,
  args: readonly string[] = [],
): Promise<number> {
  if (name !== 'pre-commit' && name !== 'pre-merge-commit' && name !== 'pre-push') {
    const suggestion = (await import('../suggest.js')).closest(name, ['pre-commit', 'pre-merge-commit', 'pre-push']);
    throw new NixtagError('USAGE', messages.unknownHook(name), {
      hint: suggestion === undefined ? messages.unknownHookHint() : messages.didYouMean(`hook ${suggestion}`),
    });
  }
  if (flags.check && flags.fix)
    throw new NixtagError('USAGE', messages.hookCheckOrFix(), { hint: messages.hookCheckOrFixHint() });
  // A terminal is a person, not git: say what the hook expects instead of judging nothing.
  if (name === 'pre-push' && process.stdin.isTTY && !process.env.PRE_COMMIT_TO_REF) {
    throw new NixtagError('USAGE', messages.prePushOnTerminal(), { hint: messages.prePushOnTerminalHint() });
  }
  const hook = await import('../engine/hook.js');
  const options = { cwd: process.cwd(), configFile: flags.config, onEvaluate: terminal(flags, output).onEvaluate };
  const merge = name === 'pre-merge-commit';
  const result =
    name === 'pre-push'
      ? await hook.prePush({ ...options, stdin: await readStdin(), args })
      : await hook.preCommit({ ...options, mode: flags.fix ? 'fix' : 'check', merge }, idleChecked);
  if (result.skipped) {
    output.err(messages.skippedHook());
    return EXIT.ok;
  }
  const text = await import('../report/text.js');
  let ok = true;
  const refused = result.judged.flatMap(({ result: judged }) => judged.refused ?? []);
  const failures = result.judged.flatMap(({ result: judged }) => judged.failures ?? []);
  for (const { ref, result: judged } of result.judged) {
    ok &&= judged.ok;
    if (silent(judged, flags)) continue;
    output.err(text.formatWarnings(judged.warnings, flags.verbose ?? false));
    // Quiet when the last judgement answered: an idle hook says nothing. A tree that manages
    // nothing, or that was not judged (no Nix), says so every time.
    if (
      judged.references.length === 0 &&
      judged.ok &&
      judged.evaluated === false &&
      !judged.managesNothing &&
      judged.unchecked === undefined
    )
      continue;
    const body = text.formatCheck(judged, flags.verbose ?? false, terminal(flags, output).paint);
    // Nothing said of the ref (its references unjudged without Nix, told in the warnings): no header either.
    if (body === '') continue;
    if (ref !== undefined) output.out(messages.pushedRef(ref));
    output.out(body);
  }
  if (result.mergeFixed) {
    output.err(messages.mergeFixedStopped());
    ok = false;
  }
  if (refused.length > 0) output.err(text.formatRefused(refused, terminal(flags, output).paint));
  if (failures.length > 0) output.err(text.formatFailures(failures, terminal(flags, output).paint));
  return exitCodeForResult({ ok, refused });
}

export interface InstallFlags {
  husky?: boolean;
  git?: boolean;
  preCommit?: string;
  prePush?: boolean;
  prePushOnly?: boolean;
  sharedHooks?: boolean;
}

export async function runInstall(flags: InstallFlags, output: Output): Promise<number> {
  if (flags.husky && flags.git)
    throw new NixtagError('USAGE', messages.huskyOrGit(), { hint: messages.huskyOrGitHint() });
  const mode = flags.preCommit ?? 'check';
  if (mode !== 'check' && mode !== 'fix')
    throw new NixtagError('USAGE', messages.preCommitMode(String(mode)), { hint: messages.preCommitModeHint() });
  const { install } = await import('../install/install.js');
  const result = await install({
    cwd: process.cwd(),
    manager: flags.husky ? 'husky' : flags.git ? 'git' : undefined,
    preCommit: mode,
    prePush: (flags.prePush ?? false) || (flags.prePushOnly ?? false),
    prePushOnly: flags.prePushOnly ?? false,
    sharedHooks: flags.sharedHooks ?? false,
  }).catch((error: unknown) => {
    // Run by npm's `prepare` where there is no checkout (a Docker build of package.json alone):
    // nothing to install, and no reason to fail the npm install.
    // A teammate whose git configuration shares one hooks folder among all repositories: the
    // install is refused, but failing `npm install` would stop their whole set-up; say it loudly.
    // So is one whose hooks folder is the team's tracked one.
    const lifecycle = ['prepare', 'install', 'postinstall'].includes(process.env.npm_lifecycle_event ?? '');
    if (
      isNixtagError(error) &&
      lifecycle &&
      ['NOT_A_REPOSITORY', 'HOOKS_PATH_SHARED', 'HOOKS_PATH_TRACKED'].includes(error.code)
    )
      return error;
    throw error;
  });
  if (isNixtagError(result)) {
    output.err(
      result.code === 'NOT_A_REPOSITORY'
        ? messages.installOutsideRepository()
        : messages.installSkippedSharedHooks(result.message, result.hint ?? ''),
    );
    return EXIT.ok;
  }
  (await import('./installed.js')).printInstalled(result, output);
  return EXIT.ok;
}
