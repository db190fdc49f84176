import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NixtagError, type Location } from '../errors.js';
import { git } from '../git/git.js';
import { inRepository, type Repository } from '../git/repository.js';
import { messages } from '../messages.js';
import type { CodeTrust, ForeignFiles, Whose } from '../config/codeFence.js';
import type { Confinement } from '../config/confinement.js';
import { configLocator } from '../config/locate.js';
import { loosenings } from '../config/loosening.js';
import type { Config } from '../config/schema.js';

/**
 * A commit that is not checked out (`check --rev`, a pushed ref judged by the pre-push hook) is
 * someone else's until HEAD has it, and so is what a merge brings into the index and working tree
 * until it is committed (combining): its configuration neither runs code (codeTrust) nor loosens
 * Nix's confinement (refuseUntrustedLoosening) that HEAD's does not. `NIXTAG_TRUST_CONFIG=1`
 * (or `NIXTAG_TRUST_CONFIG_CODE=1`, its first name) trusts any.
 */
const trustsAnyConfig = (env: NodeJS.ProcessEnv): boolean =>
  env.NIXTAG_TRUST_CONFIG === '1' || env.NIXTAG_TRUST_CONFIG_CODE === '1';

/**
 * What a configuration that is code can run or load: JavaScript and TypeScript, and the JSON
 * beside them (package.json's `type`, a required .json). A configuration file's own name is
 * among these.
 */
const CODE = ['*.js', '*.cjs', '*.mjs', '*.jsx', '*.ts', '*.cts', '*.mts', '*.tsx', '*.json', '*.node'];

/** HEAD's tree; undefined before the first commit (nothing is trusted yet). */
async function headTree(repository: Repository): Promise<string | undefined> {
  const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{tree}'], inRepository(repository)).catch(() => '');
  return head.trim() === '' ? undefined : head.trim();
}

/** Whether none of `pathspecs` differs between HEAD's tree and `treeId`. */
async function sameAsHead(repository: Repository, head: string, treeId: string, pathspecs: string[]): Promise<boolean> {
  const args = ['diff-tree', '-r', '--name-only', '--no-renames', head, treeId, '--', ...pathspecs];
  return (await git(args, inRepository(repository))).trim() === '';
}

/**
 * The files of `treeId` that differ from HEAD's tree `head`; undefined when one of them is a
 * symlink (Node loads where it leads, which may be anywhere: no file it loads could be vouched for).
 */
async function differing(repository: Repository, head: string, treeId: string): Promise<ForeignFiles | undefined> {
  const args = ['diff-tree', '-r', '-z', '--no-renames', head, treeId];
  const fields = (await git(args, inRepository(repository))).split('\0');
  const paths = new Set<string>();
  for (let at = 0; at + 1 < fields.length; at += 2) {
    // `:old-mode new-mode old-id new-id status`, then the path.
    if (fields[at]!.split(' ')[1] === '120000') return undefined;
    paths.add(fields[at + 1]!);
  }
  const has = (file: string) => {
    for (let at = file.length; at > 0; at = file.lastIndexOf('/', at - 1)) {
      if (paths.has(file.slice(0, at))) return true;
    }
    return false;
  };
  return { has, none: paths.size === 0 };
}

const NONE: ForeignFiles = { has: () => false, none: true };

/**
 * Whether a configuration that is not the user's own (`whose`) may run its code: only when none
 * of its code differs from HEAD's, whose code the user already runs (a file the configuration
 * requires counts as much as the configuration), and then it loads no file that differs from
 * HEAD's, whatever its name (config/codeFence.ts).
 */
export function codeTrust(
  repository: Repository,
  treeId: () => Promise<string>,
  whose: Whose,
  env: NodeJS.ProcessEnv = process.env,
): CodeTrust {
  let answer: Promise<ForeignFiles | undefined> | undefined;
  return {
    whose,
    foreign: () =>
      (answer ??= (async () => {
        if (trustsAnyConfig(env)) return NONE;
        const head = await headTree(repository);
        if (head === undefined) return undefined;
        const tree = await treeId();
        if (!(await sameAsHead(repository, head, tree, CODE))) return undefined;
        return differing(repository, head, tree);
      })()),
  };
}

/**
 * Whether git is combining another commit into HEAD: the index (and working tree) hold what a
 * merge, a squash merge or a cherry-pick brings in, which is not the user's until it is committed.
 * `git merge` runs pre-merge-commit before it writes MERGE_HEAD, but names the merged heads to its
 * hooks (`GITHEAD_<id>`, `GIT_REFLOG_ACTION=merge …`/`pull …`): a `check --staged` run there (the
 * pre-commit framework's merge-commit stage) knows it too.
 */
export function combining(repository: Repository, env: NodeJS.ProcessEnv = process.env): boolean {
  if (/^(?:merge|pull)\b/.test(env.GIT_REFLOG_ACTION ?? '')) return true;
  if (Object.keys(env).some((name) => name.startsWith('GITHEAD_'))) return true;
  return ['MERGE_HEAD', 'SQUASH_MSG', 'CHERRY_PICK_HEAD'].some((name) =>
    existsSync(path.join(repository.gitDir, name)),
  );
}

/**
 * HEAD's copies of the files the judged configuration was read from, loaded as that was (data
 * only, with what they import); undefined where they load as another file or not at all.
 */
async function headConfig(repository: Repository, loaded: JudgedConfig): Promise<Config | undefined> {
  const { file } = loaded;
  if (file === undefined) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'nixtag-head-config-'));
  try {
    for (const named of [file, ...loaded.imports]) {
      // One HEAD lacks (the judged commit added it): HEAD's loads without it, or fails.
      const text = await git(['cat-file', 'blob', `HEAD:${named}`], inRepository(repository)).catch(() => undefined);
      if (text === undefined) continue;
      mkdirSync(path.dirname(path.join(dir, named)), { recursive: true });
      writeFileSync(path.join(dir, named), text);
    }
    // Loaded only here: a run that loosens nothing, or whose configuration is HEAD's, needs none of it.
    const { loadConfig } = await import('../config/load.js');
    const at = path.join(dir, file);
    const explicit = loaded.explicit ? { file: at, text: readFileSync(at, 'utf8') } : undefined;
    const head = await loadConfig(dir, explicit, { dataOnly: true });
    return head.file === file ? head.config : undefined;
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The configuration as loaded from the judged tree: its settings and the files they were read from. */
interface JudgedConfig {
  config: Config;
  /** Relative to the repository's root; outside it (`../`, absolute), a `--config` of the user's. */
  file: string | undefined;
  imports: readonly string[];
  linked: readonly string[];
  /** Named by `--config` (in the judged tree), not found at a search place. */
  explicit: boolean;
}

/**
 * A commit that is not checked out loosens confinement (`evaluation.restrictEval: false`,
 * `allowImportFromDerivation: true`, `evaluation.allowedUris`, `registry.insecure`) only as far as
 * HEAD's configuration does: the files it was read from are HEAD's, or HEAD's copy of the file
 * grants as much. Otherwise its Nix would read this machine's files, fetch with them or run its
 * builders, with the user's environment and credentials: refused (CONFIG_UNTRUSTED) at the setting.
 */
export async function refuseUntrustedLoosening(
  repository: Repository,
  treeId: string,
  loaded: JudgedConfig,
  confinement: Confinement | undefined,
  judgedText: (file: string) => Promise<string | undefined>,
  whose: Whose,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const found = loosenings(loaded.config, confinement);
  const { file } = loaded;
  if (found.length === 0 || file === undefined || trustsAnyConfig(env)) return;
  // A --config outside the repository is the user's own file, not the commit's.
  if (file.startsWith('../') || path.isAbsolute(file)) return;
  const head = await headTree(repository);
  const read = [file, ...loaded.imports, ...loaded.linked];
  if (head !== undefined) {
    // A linked `.config` that is the root itself ('') makes every file count: compare settings then.
    const literal = read.every((named) => named !== '') ? read.map((named) => `:(literal)${named}`) : undefined;
    if (literal !== undefined && (await sameAsHead(repository, head, treeId, literal))) return;
  }
  const theirs = head === undefined ? undefined : await headConfig(repository, loaded);
  const refused = found.filter((loosening) => theirs === undefined || !loosening.grantedBy(theirs));
  if (refused.length === 0) return;
  // Where the first is written: the configuration file, or a file it imports.
  let location: Location = { file };
  for (const named of [file, ...loaded.imports]) {
    const prefix = named === file && path.basename(file) === 'package.json' ? ['nixtag'] : [];
    const at = (await configLocator(named, await judgedText(named), prefix))(refused[0]!.keyPath, 'key');
    if (at.line !== undefined) {
      location = at;
      break;
    }
  }
  throw new NixtagError(
    'CONFIG_UNTRUSTED',
    messages.configUntrusted(
      location.file,
      refused.map((loosening) => loosening.setting),
      whose,
    ),
    { location, hint: messages.configUntrustedHint(whose) },
  );
}
