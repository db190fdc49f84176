import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { messages } from '../messages.js';
import { repositoryPath } from './manifestSet.js';

export interface NarrowInput {
  root: string;
  cwd: string;
  paths: readonly string[];
  /** Files whose change can change a reference or an expected tag, besides image inputs. */
  relevantFiles: ReadonlySet<string>;
  /** Directories of the images' expression files, repository-relative ('' for the root). */
  imageDirectories: readonly string[];
  isManifest: (file: string) => boolean;
  /** The judged tree's files: a file given that is not among them is refused. */
  tracked?: ReadonlySet<string> | undefined;
}

/**
 * Whether any of the PATH arguments could change a managed reference or an input of a managed
 * image. A path that is not there is bad input; lint-staged never passes deleted files.
 */
export function pathsMatter(input: NarrowInput): boolean {
  let matters = false;
  for (const given of input.paths) {
    const absolute = path.resolve(input.cwd, given);
    if (!existsSync(absolute)) {
      throw new NixtagError('PATH_NOT_FOUND', messages.pathNotFound(given), {
        location: { file: given },
        hint: messages.pathNotFoundHint(),
      });
    }
    const file = repositoryPath(input.root, input.cwd, given);
    if (file.startsWith('..')) continue; // outside the repository
    if (input.tracked !== undefined && !input.tracked.has(file) && statSync(absolute).isFile()) {
      throw new NixtagError('PATH_NOT_TRACKED', messages.pathNotTracked(given), {
        location: { file: given },
        hint: messages.pathNotTrackedHint(given),
      });
    }
    const underImage = input.imageDirectories.some(
      (directory) => directory === '' || file === directory || file.startsWith(`${directory}/`),
    );
    if (underImage || input.relevantFiles.has(file) || input.isManifest(file)) matters = true;
  }
  return matters;
}
