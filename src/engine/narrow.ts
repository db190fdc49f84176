import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { skipAnswer } from '../skip/decide.js';
import { repositoryPath } from '../skip/givenPaths.js';
import { lastJudgement } from '../skip/lastJudgement.js';
import { repositoryContext } from '../skip/repositoryContext.js';
import type { Judgement } from '../state/judgements.js';
import { alwaysRead, argSnippets, recordedInputs, verdictInputs } from './evaluation.js';
import { speculativeImages } from './images.js';
import { spellingsOf } from './mentions.js';
import { staticInputs } from '../nix/source/inputs.js';
import type { Session } from './session.js';

/**
 * The PATH arguments as repository paths. A path that is not there is bad input (lint-staged
 * never passes deleted files), and so is one outside the repository.
 */
export function repositoryPaths(
  root: string,
  cwd: string,
  paths: readonly string[],
  tracked?: ReadonlySet<string>,
): string[] {
  const files: string[] = [];
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    if (!existsSync(absolute)) {
      throw new NixtagError('PATH_NOT_FOUND', messages.pathNotFound(given), {
        location: { file: given },
        hint: messages.pathNotFoundHint(),
      });
    }
    const file = repositoryPath(root, cwd, given, statSync(absolute).isDirectory());
    // Outside the repository: not a path of the tree CI checks out, so the question is not one
    // nixtag can answer (a script's wrong path would otherwise pass as irrelevant).
    if (file.startsWith('..') || path.isAbsolute(file)) {
      throw new NixtagError('PATH_OUTSIDE_REPOSITORY', messages.pathOutsideRepository(given), {
        location: { file: given },
        hint: messages.pathOutsideRepositoryHint(root),
      });
    }
    // A file git does not track is not in CI's checkout: judging it would be a false verdict.
    if (tracked !== undefined && !tracked.has(file) && statSync(absolute).isFile()) {
      throw new NixtagError('PATH_NOT_TRACKED', messages.pathNotTracked(given), {
        location: { file: given },
        hint: messages.pathNotTrackedHint(given),
      });
    }
    files.push(file);
  }
  return files;
}

/** How new manifests are recognised: the images' globs, and whether any image takes the default set. */
export function manifestRules(session: Session): { globs: string[] | undefined; defaultSet: boolean } {
  // Each glob once: 200 images naming one glob compile one matcher in every idle hook.
  const globs = [...new Set(session.images.flatMap((image) => image.config.manifests ?? []))];
  const defaultSet = session.images.length === 0 || session.images.some((image) => !image.config.manifests);
  return { globs: globs.length > 0 ? globs : undefined, defaultSet };
}

/**
 * What PATH arguments are measured against: the judgement of this very tree and environment
 * (lint-staged's earlier chunk); else the inputs an earlier evaluation of the same images
 * recorded, when none of them changed since (the evaluation cache's own rule: Nix reads the same
 * files again, so they are this tree's inputs exactly); else the images' inputs as their
 * expression files name them, reading every file a path literal names as if it were Nix.
 */
async function basis(session: Session): Promise<Judgement> {
  const recorded = lastJudgement(session.repository.gitDir, session.environment);
  if (recorded?.tree === session.treeId) return recorded;
  const speculative = speculativeImages(session.config, session.images, session.entries);
  const imageFiles = speculative.length === 0 ? ['default.nix'] : speculative.map((image) => image.config.nix);
  // A flake's inputs are its lock's and what `self` hands on as well: until an evaluation has
  // recorded them, every file counts.
  const flakes = speculative.some((image) => image.config.flake !== undefined);
  const inputs =
    recordedInputs(session, speculative) ??
    (flakes ? { paths: [''] } : undefined) ??
    (await staticInputs(
      await session.intactCheckout(), // read as Nix would read it
      imageFiles,
      alwaysRead(session),
      session.entries,
      argSnippets(session.images),
    ));
  return {
    environment: session.environment ?? '',
    tree: session.treeId,
    ok: false,
    references: 0,
    inputs: verdictInputs(session, inputs),
    manifests: [...session.scopes.keys()],
    // Without configuration the repository is not known before the manifests are read.
    mentions: session.config.images === undefined ? undefined : spellingsOf(session.images),
    ...manifestRules(session),
  };
}

/**
 * Whether any of the session's PATH arguments can change a managed reference or an input of an
 * image (the skip decision, skip/decide.ts, measured against `basis`): when none can, the
 * command has nothing to do. A path that is not there, or not tracked, is refused first.
 */
export async function pathsCanMatter(session: Session): Promise<boolean> {
  if (session.paths.length === 0) return true;
  const tracked = new Set(session.entries.map((entry) => entry.path));
  repositoryPaths(session.repository.root, session.cwd, session.paths, tracked);
  const answer = await skipAnswer(
    { source: session.tree.source, paths: session.paths, acceptsGood: false },
    repositoryContext(session.repository, {
      cwd: session.cwd,
      treeId: session.treeId,
      judgement: () => basis(session),
    }),
  );
  return answer.kind !== 'nothing-to-do';
}
