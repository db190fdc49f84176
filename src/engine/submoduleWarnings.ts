import { messages } from '../messages.js';
import { unregisteredGitlinks } from '../tree/submodules.js';
import type { Warning } from '../types.js';
import type { Session } from './session.js';

/**
 * A gitlink no `.gitmodules` section names is evaluated empty, as CI's recursive clone leaves it:
 * said, since the developer's clone holds content there (an embedded repository `git add` took
 * in) and `git submodule update --init` stops on it.
 */
export async function submoduleWarnings(session: Session): Promise<Warning[]> {
  if (!session.config.submodules || session.gitlinks.length === 0) return [];
  const files = await unregisteredGitlinks(await session.checkout, session.gitlinks);
  return files.length === 0 ? [] : [{ file: null, line: null, message: messages.submoduleUnregistered(files) }];
}
