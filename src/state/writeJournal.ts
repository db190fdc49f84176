import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processExists } from '../lifecycle.js';
import { ensureStateDirectory, statePaths } from './paths.js';

const JOURNAL = /^(\d+)\.json$/;

/**
 * Records the directories a run is about to write manifests in, before its first temporary file;
 * the returned function forgets them after its last rename. A run killed in between leaves the
 * record, and the next one removes its temporary files from exactly those directories, instead of
 * listing the directory of every manifest in scope (5,000 of them in a GitOps repository).
 */
export function journalWrites(gitDir: string, directories: Iterable<string>): () => void {
  const file = path.join(ensureStateDirectory(gitDir, statePaths(gitDir).writing), `${process.pid}.json`);
  writeFileSync(file, JSON.stringify([...new Set(directories)]));
  return () => rmSync(file, { force: true });
}

/**
 * The directories that runs no longer alive were writing in. A record cut short was being
 * written when its run died, before any temporary file: it names nothing to clean. `forget`
 * removes the records once their directories are clean.
 */
export function abandonedWrites(gitDir: string): { directories: string[]; forget(): void } {
  const directory = statePaths(gitDir).writing;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return { directories: [], forget: () => undefined };
  }
  const dead = names.filter((name) => {
    const pid = Number(JOURNAL.exec(name)?.[1]);
    return pid > 0 && pid !== process.pid && !processExists(pid);
  });
  const directories = dead.flatMap((name) => {
    try {
      const listed: unknown = JSON.parse(readFileSync(path.join(directory, name), 'utf8'));
      return Array.isArray(listed) ? listed.filter((entry): entry is string => typeof entry === 'string') : [];
    } catch {
      return [];
    }
  });
  return {
    directories,
    forget: () => dead.forEach((name) => rmSync(path.join(directory, name), { force: true })),
  };
}
