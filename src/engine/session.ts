import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import type { ExplicitConfig, LoadedConfig } from '../config/load.js';
import { confine, type Confinement } from '../config/confinement.js';
import type { Config } from '../config/schema.js';
import { openRepository, type Repository } from '../git/repository.js';
import { programInRepositoryConfig } from '../git/configPrograms.js';
import { judgedTree } from '../tree/judgedTree.js';
import { listTree } from '../tree/listing.js';
import type { JudgedTree, TreeSource } from '../tree/source.js';
import { TreeIndex } from '../treeIndex.js';
import type { TreeEntry } from '../types.js';
import {
  checkoutDirectory,
  intactCheckout,
  materializeTree,
  settleCheckouts,
  type Checkout,
  type CheckoutOptions,
} from '../tree/checkout.js';
import { useFreshNixtagDirectory } from '../nixtagDirectory.js';
import { treeRecords } from '../tree/records.js';
import { editedAmong, editedMatching } from '../tree/editedReads.js';
import { indexInStep } from '../tree/checkoutRepository.js';
import { runEnvironment } from '../state/environment.js';
import { EvaluationCache } from '../state/evaluations.js';
import { ScanStore } from '../state/scans.js';
import { configuredImages, type ResolvedImage } from './images.js';
import { selectManifests, type ManifestScope } from './manifestSet.js';
import { awaitedLater } from '../promises.js';
import { readOptional } from '../readOptional.js';
import { codeTrust, combining, refuseUntrustedLoosening } from './trustedConfig.js';
import type { Whose } from '../config/codeFence.js';

/** What a caller asks of a run: the library API's options. */
export interface RunRequest {
  /** Where the command was started. */
  cwd: string;
  /** PATH arguments, as lint-staged passes them. */
  paths?: string[] | undefined;
  /** A configuration file to use instead of the one in the judged tree. */
  configFile?: string | undefined;
  /** The tree to judge; the working tree's tracked files by default. */
  source?: TreeSource | undefined;
  /** Use and fill the evaluation cache (default true). */
  cache?: boolean | undefined;
  /** Verify again what was verified once (default: when `cache` is false; doctor's and init's own runs do not). */
  reverify?: boolean | undefined;
  /** Called when Nix starts evaluating these images; what it returns is called when Nix is done. */
  onEvaluate?: ((images: readonly string[]) => () => void) | undefined;
  /** What the command line keeps from the repository (`--restrict-eval`, `--ci`). */
  confinement?: Confinement | undefined;
  /** The index is a merge's (pre-merge-commit, which git runs before it writes MERGE_HEAD). */
  merging?: boolean | undefined;
}

/** What an earlier step of the same run found already (a hook's verdict check): never asked again. */
export interface Known {
  repository?: Repository | undefined;
  tree?: JudgedTree | undefined;
  explicitConfig?: ExplicitConfig | undefined;
}

/**
 * One run's context, built once and handed down: the repository, the judged tree and its files,
 * the request's paths and cwd, the configuration read from that tree (or --config), and the run
 * environment that keys the caches. check, fix and hash take it and nothing else.
 */
export interface Session {
  repository: Repository;
  tree: JudgedTree;
  /** The judged tree's id. */
  treeId: string;
  /** Its files, with modes and blob ids. */
  entries: TreeEntry[];
  /**
   * Its files and gitlinks by path: what the inputs of evaluations are keyed on, so that an input
   * at or under a submodule is keyed on its commit (state/inputKey.ts).
   */
  index: TreeIndex;
  /**
   * Its gitlinks: submodule paths and the commits recorded for them. Never files, but an input at
   * or under one is keyed on its commit (evaluation.ts).
   */
  gitlinks: TreeEntry[];
  /** The tree checked out under CI's checkout name; awaited by Nix. Refuses missing submodules. */
  checkout: Promise<string>;
  /** The same checkout as it was made, submodules CI fetches and this clone lacks left empty (doctor). */
  materialized: Promise<Checkout>;
  /**
   * The checkout once its files are seen to be the tree's (repaired where not: tree/checkout.ts's
   * intactCheckout), asked once: what Nix reads. A stat of every file, so only where Nix runs.
   */
  intact: () => Promise<Checkout>;
  /** The directory of `intact`'s checkout; refuses missing submodules as `checkout` does. */
  intactCheckout: () => Promise<string>;
  /**
   * The checkout once the files at or under `paths` are seen to be the tree's (what an evaluation
   * is expected to read): `intact`'s answer where that was asked already. What it reads beyond
   * them must be checked by `intact` before its answer counts (evaluation.ts).
   */
  intactAt: (paths: readonly string[]) => Promise<Checkout>;
  /** Where manifests are read (and, for the working tree, written). */
  manifestRoot: string;
  cwd: string;
  paths: readonly string[];
  /** As loaded, then confined (config/confinement.ts) when the request says so. */
  config: Config;
  /** What the command line keeps from the repository; undefined when the configuration decides. */
  confinement: Confinement | undefined;
  /** The configuration file, relative to the root; undefined without one. */
  configFile: string | undefined;
  /**
   * Every file the configuration was read from, relative to the root: the configuration file and
   * the files it imports (cosmiconfig's `$import`). Inputs of every verdict; never manifests.
   */
  configFiles: string[];
  /**
   * Where the configuration is read or looked for through a symlink: each link on the way and
   * where it leads, present or not (config/load.ts). Inputs of the judgement, not of evaluations.
   */
  configLinked: string[];
  /** What lies outside the tree and can change a tag (state/environment.ts); undefined without Nix. */
  environment: string | undefined;
  /** Configured images; empty without configuration until references are scanned. */
  images: ResolvedImage[];
  /** The manifests to read, and for which images. */
  scopes: Map<string, ManifestScope>;
  /** The configured `manifests` globs that match no tracked file, by image. */
  unmatchedGlobs: ReadonlyArray<{ image: string; glob: string }>;
  /** What each manifest held, by blob id, unless the request turned caching off. */
  scans: ScanStore | undefined;
  /** The evaluation cache, unless the request turned it off or Nix is missing. */
  evaluations: EvaluationCache | undefined;
  /** The request turned caching off: a fetch verified once (pin, written-out fetch, lock entry) is verified again. */
  reverify: boolean;
  /** The request's progress callback (RunRequest.onEvaluate). */
  onEvaluate?: ((images: readonly string[]) => () => void) | undefined;
  /** Throws LOCK_LOST when another run took the repository's lock: call before writing. */
  assertLocked(): void;
  /** Ends the run's hold on the repository's nixtag state. */
  release(): Promise<void>;
}

/**
 * CI mode trusts nothing the workspace holds: a git configuration that names a program (an
 * earlier step may have run the repository's code and written `.git/config`) is refused before
 * git runs anything that could start it.
 */
async function refuseConfigPrograms(repository: Repository): Promise<void> {
  const setting = await programInRepositoryConfig(repository);
  if (setting === undefined) return;
  throw new NixtagError('CONFIG_IS_CODE', messages.gitConfigRunsProgram(setting), {
    location: { file: '.git/config' },
    hint: messages.gitConfigRunsProgramHint(),
  });
}

/**
 * Tekton's git resource checks out into /workspace/source; its git-clone fetches submodules
 * (checked out as the last run did until the configuration says).
 */
const DEFAULT_CHECKOUT: CheckoutOptions = { checkoutName: 'source', submodules: 'as-before', lfs: 'as-before' };

/**
 * CI mode's state: a fresh nixtag directory for this process, and its checkouts (which live
 * outside it: tree/records.ts); the function returned removes both.
 */
function freshState(gitDir: string): () => void {
  const dropDirectory = useFreshNixtagDirectory(gitDir);
  const records = treeRecords(gitDir);
  return () => {
    records.remove();
    dropDirectory();
  };
}

/**
 * A judged tree's checkout as a session holds it: as made, its directory, and once checked to be
 * the tree's (what Nix reads), asked once. Built together, so that a session made for another
 * tree (fix's rewritten one) never keeps the first tree's check.
 */
export function heldCheckout(
  repository: Repository,
  tree: JudgedTree,
  wanted: CheckoutOptions,
  materialized: Promise<Checkout>,
): Pick<Session, 'checkout' | 'materialized' | 'intact' | 'intactCheckout' | 'intactAt'> {
  awaitedLater(materialized);
  let intact: Promise<Checkout> | undefined;
  const checked = () => (intact ??= materialized.then((done) => intactCheckout(repository, tree, wanted, done)));
  return {
    materialized,
    checkout: awaitedLater(checkoutDirectory(materialized)),
    intact: checked,
    intactCheckout: () => checkoutDirectory(checked()),
    intactAt: (paths) => intact ?? materialized.then((done) => intactCheckout(repository, tree, wanted, done, paths)),
  };
}

/** Files the manifest readers may read besides the selected manifests: YAML, JSON, Helm templates, kustomize's. */
const MAY_BE_READ = ['**/*.yaml', '**/*.yml', '**/*.json', '**/*.tpl', '**/Kustomization'];
const MAY_BE_READ_NAME = /(?:\.(?:ya?ml|json|tpl)|(?:^|\/)Kustomization)$/i;

/**
 * The checkout's directory, once the files the manifest readers read from it (`selected` and any
 * that may be YAML) are seen to be the tree's: an edit there would otherwise decide a verdict on a
 * run that Nix does not run in. Where one is not, the whole checkout is checked and repaired.
 */
async function readsChecked(
  held: Pick<Session, 'checkout' | 'materialized' | 'intactCheckout'>,
  selected: readonly string[],
  asked: YamlAsked | undefined,
): Promise<string> {
  const dir = await held.checkout;
  const others = selected.filter((file) => !MAY_BE_READ_NAME.test(file));
  const yaml = asked?.made === (await held.materialized) ? asked.edited() : editedAmong(dir, [], MAY_BE_READ);
  return (await yaml) || (await editedAmong(dir, others)) ? held.intactCheckout() : dir;
}

/** The check of the files that may be YAML, started while the configuration loads, in the checkout `made`. */
interface YamlAsked {
  made: Checkout;
  edited: () => Promise<boolean>;
}

/**
 * Repository, tree and configuration: what every command needs first. The tree is checked out
 * (under the default checkout name, redone if the configuration names another) while the
 * configuration loads. For the index or a commit the configuration is the one in that tree, as CI
 * reads it. Holds the repository lock until `release`.
 *
 * @public bench/scan.mjs opens one from dist/ (knip does not follow that import).
 */
export async function openSession(request: RunRequest, known: Known = {}): Promise<Session> {
  // Modules load while git answers: their evaluation and the git processes overlap.
  const configModule = import('../config/load.js');
  const lockModule = import('../state/lock.js');
  const repository = known.repository ?? (await openRepository(request.cwd));
  if (request.confinement?.ci) await refuseConfigPrograms(repository);
  const dropState = request.confinement?.ci ? freshState(repository.gitDir) : undefined;
  const tree = known.tree ?? judgedTree(repository, request.source ?? { kind: 'worktree' });
  const source = tree.source;
  // A commit that is not checked out (`--rev`, a pushed ref) is someone else's code until HEAD
  // has it; so is what a merge brings into the index or the working tree until it is committed.
  const whose: Whose | undefined =
    source.kind === 'rev' ? 'commit' : request.merging === true || combining(repository) ? 'merge' : undefined;
  const loadOptions = {
    dataOnly: request.confinement?.ci,
    codeTrusted: whose === undefined ? undefined : codeTrust(repository, () => tree.id(), whose),
  };
  const explicit =
    known.explicitConfig ??
    (request.configFile === undefined
      ? undefined
      : await (await configModule).readExplicitConfig(request.cwd, request.configFile));
  // A --config in the repository is the judged tree's copy, as CI's clone holds it.
  const inTree = explicit !== undefined && !path.relative(repository.root, explicit.file).startsWith('..');
  // The working tree's configuration is in the working tree: it loads beside the lock and the tree.
  const worktreeConfig =
    source.kind === 'worktree' || (explicit !== undefined && !inTree)
      ? configModule.then(({ loadConfig }) =>
          loadConfig(repository.root, explicit, { ...loadOptions, nearMissesLater: explicit === undefined }),
        )
      : undefined;
  if (worktreeConfig !== undefined) awaitedLater(worktreeConfig);
  // Resolving the tree writes nothing nixtag shares (a per-process index, git objects): it
  // needs no lock and runs beside the wait for it.
  if (source.kind !== 'index') awaitedLater(tree.id());
  const lock = await (await lockModule).lockRepository(repository).catch((error: unknown) => {
    dropState?.();
    throw error;
  });
  const release = async () => {
    await lock.release();
    dropState?.();
  };
  try {
    const speculative = awaitedLater(materializeTree(repository, tree, DEFAULT_CHECKOUT)); // below, or by the evaluation
    const treeId = await tree.id();
    const entries = awaitedLater(listTree(repository, treeId));
    // Looked up by binary search: a Set of 100,000 paths cost more than the few lookups it answers.
    let treeIndex: Promise<TreeIndex> | undefined;
    const indexed = () =>
      (treeIndex ??= entries.then(({ files, gitlinks, sorted }) => TreeIndex.merged(files, gitlinks, sorted)));
    const tracked = async () => {
      const index = await indexed();
      // Files only: a gitlink (a submodule's path) is not a tracked file.
      return { has: (file: string) => ![undefined, '160000'].includes(index.at(file)?.mode) };
    };
    const loadFromCheckout = async () => {
      const { loadConfig, readExplicitConfig } = await configModule;
      const { dir } = await speculative;
      const judged = inTree ? await readExplicitConfig(dir, path.relative(repository.root, explicit.file)) : undefined;
      return { ...(await loadConfig(dir, judged, loadOptions)), judgedText: judged?.text };
    };
    // Read from the checkout, which an editor or a script may have changed: what the loading reads
    // or looks for is checked to be the tree's (and the checkout repaired first where it is not),
    // before (the search places) and after (what was read; the first error may be such an edit).
    // The manifests' check (readsChecked) asks git about the files that may be YAML beside the
    // configuration's check and loading; its answer is for this checkout as made, unrepaired.
    let yamlAsked: YamlAsked | undefined;
    const repair = async () => {
      yamlAsked = undefined;
      return intactCheckout(repository, tree, DEFAULT_CHECKOUT, await speculative);
    };
    let fromCheckout = false;
    const fromJudgedTree = async () => {
      fromCheckout = true;
      const made = await speculative;
      const { dir } = made;
      const [{ CONFIG_SEARCH_PLACES }, { untrackedSearchPlace }, paths] = await Promise.all([
        import('../config/explorer.js'),
        configModule,
        tracked(),
        indexInStep(dir, false), // before any question to git about the checkout
      ]);
      if (source.kind !== 'worktree') yamlAsked = { made, edited: editedMatching(dir, MAY_BE_READ) };
      const searched = [
        ...CONFIG_SEARCH_PLACES,
        '.config',
        ...(inTree ? [path.relative(repository.root, explicit.file)] : []),
      ];
      const untracked = untrackedSearchPlace(dir, (file) => paths.has(file)) !== undefined;
      if (untracked || (await editedAmong(dir, searched))) await repair();
      const first = await loadFromCheckout().catch(async () => {
        await repair();
        return loadFromCheckout();
      });
      // The file found is at a search place, checked above; what it imports or links to is not.
      const read = [...(first.file === undefined ? [] : [first.file]), ...first.imports, ...first.linked];
      if (
        !(await editedAmong(
          dir,
          read.filter((file) => !searched.includes(file)),
        ))
      )
        return first;
      await repair();
      return loadFromCheckout();
    };
    // A working tree's file git does not track (ignored too) is not in CI's clone: where loading
    // fails with one at a search place, the configuration is the tracked files', error and all.
    let loaded: LoadedConfig & { judgedText?: string | undefined } =
      worktreeConfig === undefined
        ? await fromJudgedTree()
        : await worktreeConfig.catch(async (error: unknown) => {
            const { untrackedSearchPlace } = await configModule;
            const paths = await tracked();
            if (explicit !== undefined || !untrackedSearchPlace(repository.root, (file) => paths.has(file)))
              throw error;
            return fromJudgedTree();
          });
    // The working tree's configuration file must be tracked, as CI sees it: an untracked one is
    // not, so the configuration then comes from the tracked files alone.
    // So must every file it imports: one that is not tracked is not there for CI.
    // With none, a misspelt name counts where it is tracked: CI's clone has no other.
    if (worktreeConfig !== undefined && explicit === undefined) {
      const paths = await tracked();
      if (loaded.file === undefined) {
        (await configModule).refuseNearMisses(repository.root, (file) => paths.has(file));
      } else if (![loaded.file, ...loaded.imports].every((read) => paths.has(read))) {
        loaded = await fromJudgedTree();
      }
    }
    // Nor does such a commit (or merge) loosen confinement further than HEAD's configuration does.
    if (whose !== undefined) {
      const judgedText = async (named: string) =>
        readOptional(path.join(fromCheckout ? (await speculative).dir : repository.root, named));
      const judged = { ...loaded, explicit: explicit !== undefined };
      await refuseUntrustedLoosening(repository, treeId, judged, request.confinement, judgedText, whose);
    }
    const config = confine(loaded.config, request.confinement);
    const { file } = loaded;
    const configFiles = file === undefined ? [] : [file, ...loaded.imports];
    const wanted = checkoutOptions(config);
    const materialized = speculative.then(
      (done) =>
        done.dir.endsWith(`/${wanted.checkoutName}`) && done.submodules === wanted.submodules && done.lfs === wanted.lfs
          ? done
          : materializeTree(repository, tree, wanted),
      () => materializeTree(repository, tree, wanted),
    );
    const held = heldCheckout(repository, tree, wanted, materialized);
    const images = configuredImages(config);
    const { files, gitlinks } = await entries;
    // The configuration's files are never manifests: they name repositories without being deployed.
    const index = await indexed();
    const { scopes, unmatched } = await selectManifests(
      index,
      images.map((image) => ({ name: image.name, manifests: image.config.manifests })),
      new Set(configFiles),
    );
    // What the tree does not hold: a --config outside it, and what that imports.
    const explicitText = loaded.judgedText ?? explicit?.text;
    const environment = runEnvironment(
      loaded.importedTexts === undefined ? explicitText : JSON.stringify([explicitText, ...loaded.importedTexts]),
    );
    return {
      repository,
      tree,
      treeId,
      entries: files,
      index,
      gitlinks,
      ...held,
      manifestRoot:
        source.kind === 'worktree' ? repository.root : await readsChecked(held, [...scopes.keys()], yamlAsked),
      cwd: request.cwd,
      paths: request.paths ?? [],
      config,
      confinement: request.confinement,
      configFile: file,
      configFiles,
      configLinked: loaded.linked,
      environment,
      images,
      scopes,
      unmatchedGlobs: unmatched,
      onEvaluate: request.onEvaluate,
      scans:
        request.cache === false
          ? undefined
          : new ScanStore(
              repository.gitDir,
              files.filter((entry) => scopes.has(entry.path)),
              source.kind === 'worktree' ? 'worktree' : { checkout: (await materialized).made },
            ),
      evaluations:
        environment === undefined || request.cache === false ? undefined : new EvaluationCache(repository.gitDir),
      reverify: request.reverify ?? request.cache === false,
      assertLocked: () => lock.assertHeld(),
      release: async () => {
        await settleCheckouts();
        await release();
      },
    };
  } catch (error) {
    await settleCheckouts();
    await release();
    throw error;
  }
}

/** How the configuration says CI checks the tree out. */
export function checkoutOptions(config: Config): CheckoutOptions {
  return { checkoutName: config.checkoutName, submodules: config.submodules, lfs: config.lfs };
}

/** Runs `work` on an open session and always lets go of the repository afterwards. */
export async function withSession<T>(
  request: RunRequest,
  known: Known,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await openSession(request, known);
  try {
    return await work(session);
  } finally {
    await session.release();
  }
}
