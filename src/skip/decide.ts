import { changedPathsArgs, deletedSinceHeadArgs, pathsOf } from '../git/diffArgs.js';
import type { Judgement } from '../state/judgements.js';
import type { TreeSource } from '../tree/source.js';
import { awaitedLater } from '../promises.js';
import { anyCanMatter, anyNamesImage } from './canMatter.js';
import { givenPaths, type GivenPath } from './givenPaths.js';

/** Whether a run can be answered from the last judgement, and how. */
export type SkipAnswer =
  /** Nothing that matters changed since a tree judged up to date: this one is too. */
  | { kind: 'good'; references: number }
  /** None of the PATH arguments, nor anything deleted since HEAD, can change a verdict: exit 0. */
  | { kind: 'nothing-to-do' }
  /** Looked: no judgement speaks for this run, or something that matters changed. The full run judges. */
  | { kind: 'judge' }
  /** Could not look (git failed, no HEAD, a PATH that is not there): the full run decides, and names what is wrong. */
  | { kind: 'unsure' };

/** One run's question: hook pre-commit / pre-push, check --staged [PATH...], check [PATH...]. */
export interface SkipQuestion {
  /** The judged tree. */
  source: TreeSource;
  /** PATH arguments as given (relative to the context's cwd, or absolute). */
  paths: readonly string[];
  /**
   * The caller may answer "good" from the judgement alone (a hook, the idle answer); a full run,
   * whose output lists the references, takes only "nothing to do".
   */
  acceptsGood: boolean;
}

/** What the decision reads: where the repository is, its last judgement, and its git. */
export interface SkipContext {
  root: string;
  /** Where PATH arguments are relative to. */
  cwd: string;
  /** The judgement to answer from, already found to speak for this run environment (lastJudgement.ts). */
  judgement: () => Judgement | undefined | Promise<Judgement | undefined>;
  /** The judged tree's id, when the caller knows it already: a judgement of that very tree needs no diff. */
  treeId?: string | undefined;
  /** Runs git on the repository, with the index git uses now; undefined when git failed. */
  git: (args: readonly string[]) => Promise<string | undefined>;
  /** The same for a `git grep`: '' when it finds nothing. */
  search: (args: readonly string[]) => Promise<string | undefined>;
}

/**
 * Whether any of `files` can change a verdict: by its path (state/judgements.ts canMatter), or,
 * where an image can be named, by naming a managed repository (canMatter.ts anyNamesImage);
 * undefined when git cannot say.
 */
async function anyMatters(
  judgement: Judgement,
  files: readonly string[],
  source: TreeSource,
  context: SkipContext,
): Promise<boolean | undefined> {
  if (await anyCanMatter(judgement, files)) return true;
  return anyNamesImage(judgement, files, source, context.search);
}

/**
 * Whether the judged tree holds every PATH argument inside the repository (a directory: a file
 * under it). One git process, when any is given.
 */
async function allTracked(given: readonly GivenPath[], source: TreeSource, context: SkipContext): Promise<boolean> {
  const inside = given.flatMap((path) => ('path' in path ? [path.path] : []));
  if (inside.length === 0) return true;
  if (source.kind === 'rev') {
    const listed = await context.git(['ls-tree', '-z', '--name-only', '--full-tree', source.rev, '--', ...inside]);
    return listed !== undefined && new Set(listed.split('\0').filter(Boolean)).size === new Set(inside).size;
  }
  // --error-unmatch fails (undefined) when one of them matches nothing in the index.
  const literal = inside.map((file) => `:(literal)${file || '.'}`);
  return (await context.git(['ls-files', '-z', '--error-unmatch', '--', ...literal])) !== undefined;
}

const JUDGE: SkipAnswer = { kind: 'judge' };
const UNSURE: SkipAnswer = { kind: 'unsure' };

/**
 * The one rule by which a run is answered from the last judgement; when unsure, the full run,
 * which gives the right answer, goes on.
 *
 * 1. A PATH argument that is not there, or is outside the repository, is the full run's to refuse,
 *    whatever was judged.
 * 2. The judgement speaks for this tree when nothing that can matter (an input, a manifest or a
 *    file that may become one, a configuration file, a kustomization: state/judgements.ts; a file
 *    where an image can be named that names a managed one: canMatter.ts) changed since the tree
 *    it judged: if that tree was up to date, so is this one.
 * 3. Otherwise only PATH arguments can end the run with exit 0: when every one is a file and
 *    none of them can matter. lint-staged passes only added, copied, modified and renamed paths
 *    (`--diff-filter=ACMR`), never a deletion or the old name of a rename, which change the tree
 *    as much: so what the index (or working tree) deleted since HEAD counts as given. Without a
 *    HEAD, paths do not narrow.
 */
export async function skipAnswer(question: SkipQuestion, context: SkipContext): Promise<SkipAnswer> {
  const given = givenPaths(context.root, context.cwd, question.paths);
  if (given.some((path) => path.kind === 'missing' || path.kind === 'outside')) return UNSURE;
  const narrows = given.length > 0 && given.every((path) => path.kind !== 'directory');
  if (!question.acceptsGood && !narrows) return JUDGE; // before the judgement: a full run's may cost
  const judgement = await context.judgement();
  // A PATH the judged tree does not hold is the full run's to refuse (PATH_NOT_TRACKED); asked
  // beside the diff below.
  const tracked = judgement === undefined ? undefined : awaitedLater(allTracked(given, question.source, context));
  const good = judgement?.ok === true && question.acceptsGood;
  if (judgement === undefined || (!good && !narrows)) return JUDGE;
  if (judgement.tree !== context.treeId) {
    const changed = await context.git(changedPathsArgs(judgement.tree, question.source));
    if (changed === undefined) return UNSURE;
    const matters = await anyMatters(judgement, pathsOf(changed), question.source, context);
    if (matters === undefined) return UNSURE;
    if (matters) return JUDGE;
  }
  if (!(await tracked)) return UNSURE;
  if (good) return { kind: 'good', references: judgement.references };
  const { source } = question;
  const deleted = source.kind === 'rev' ? '' : await context.git(deletedSinceHeadArgs(source.kind));
  if (deleted === undefined) return UNSURE;
  const files = given.flatMap((path) => (path.kind === 'file' ? [path.path] : []));
  const matters = await anyMatters(judgement, [...files, ...pathsOf(deleted)], source, context);
  if (matters === undefined) return UNSURE;
  return matters ? JUDGE : { kind: 'nothing-to-do' };
}
