import { existsSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { environmentHash, readJudgement, type Judgement } from '../state/judgements.js';
import { alwaysRead } from './evaluation.js';
import { anyCanMatter } from './idle.js';
import { staticInputs } from './inputs.js';
import { repositoryPath } from './manifestSet.js';
import type { Session } from './session.js';

/**
 * The PATH arguments as repository paths. A path that is not there is bad input (lint-staged
 * never passes deleted files); one outside the repository can change nothing and is dropped.
 */
export function repositoryPaths(root: string, cwd: string, paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const given of paths) {
    if (!existsSync(path.resolve(cwd, given))) {
      throw new NixtagError('PATH_NOT_FOUND', messages.pathNotFound(given), { location: { file: given } });
    }
    const file = repositoryPath(root, cwd, given);
    if (!file.startsWith('..')) files.push(file);
  }
  return files;
}

/** The globs that decide the manifest set, when every image has some (else the default set). */
export function manifestGlobs(session: Session): string[] | undefined {
  const globs = session.images.map((image) => image.config.manifests);
  return globs.length > 0 && globs.every((glob) => glob !== undefined) ? globs.flat() : undefined;
}

/**
 * What PATH arguments are measured against: the last judgement of this environment, or, before
 * any, the images' inputs as their expression files name them.
 */
async function basis(session: Session): Promise<Judgement> {
  const recorded = readJudgement(session.repository.gitDir);
  const environment = session.environment === undefined ? undefined : environmentHash(session.environment);
  if (recorded !== undefined && recorded.environment === environment) return recorded;
  const imageFiles = session.images.length === 0 ? ['default.nix'] : session.images.map((image) => image.config.nix);
  return {
    environment: environment ?? '',
    tree: session.treeId,
    ok: false,
    references: 0,
    inputs: await staticInputs(await session.checkout, imageFiles, alwaysRead(session), session.entries),
    manifests: [...session.scopes.keys()],
    globs: manifestGlobs(session),
  };
}

/**
 * Whether any of the session's PATH arguments can change a managed reference or an input of an
 * image: when none can, the command has nothing to do.
 */
export async function pathsCanMatter(session: Session): Promise<boolean> {
  if (session.paths.length === 0) return true;
  const files = repositoryPaths(session.repository.root, session.cwd, session.paths);
  return anyCanMatter(await basis(session), files);
}
