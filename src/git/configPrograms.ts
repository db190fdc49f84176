import { git } from './git.js';
import { inRepository, type Repository } from './repository.js';

/**
 * Keys through which a repository's own git configuration (`.git/config`, a worktree's, and what
 * they include) names a program git runs on nixtag's behalf: while it refreshes the index
 * (`core.fsmonitor`), hashes or checks out a file (`filter.*`), diffs (`diff.*`), or fetches a
 * missing object (`core.sshCommand`, credential helpers, `remote.*.uploadpack`).
 */
const RUNS_A_PROGRAM =
  /^(?:core\.(?:fsmonitor|sshcommand|gitproxy|askpass)|filter\..+\.(?:clean|smudge|process)|diff\..+\.(?:textconv|command)|merge\..+\.driver|credential\.(?:.+\.)?helper|remote\..+\.(?:uploadpack|receivepack|proxy)|uploadpack\.packobjectshook)$/;
/** core.fsmonitor as a boolean is git's own daemon, not a program of the repository's. */
const BOOLEAN = /^(?:true|false|yes|no|on|off|1|0|)$/i;

/**
 * The first key of the repository's own configuration that runs a program, as `key=value`; in
 * CI mode such a repository is refused before git runs anything else in it: an earlier step of
 * the pipeline may have written `.git/config` with the repository's code.
 */
export async function programInRepositoryConfig(repository: Repository): Promise<string | undefined> {
  const listed = await git(['config', '--list', '--show-scope', '--includes', '-z'], inRepository(repository));
  // `-z`: each entry is its scope, NUL, then `key`, a newline and the value, NUL.
  const fields = listed.split('\0');
  for (let at = 0; at + 1 < fields.length; at += 2) {
    const [scope, entry = ''] = [fields[at], fields[at + 1]];
    if (scope !== 'local' && scope !== 'worktree') continue;
    const newline = entry.indexOf('\n');
    const [key, value] = newline === -1 ? [entry, ''] : [entry.slice(0, newline), entry.slice(newline + 1)];
    if (!RUNS_A_PROGRAM.test(key)) continue;
    if (key === 'core.fsmonitor' && BOOLEAN.test(value)) continue;
    return `${key}=${value}`;
  }
  return undefined;
}
