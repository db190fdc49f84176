import { accessSync, constants } from 'node:fs';
import path from 'node:path';

let known: string | undefined;

/**
 * How the user types nixtag in their own shell, for the commands hints suggest: `nixtag` when it
 * is on their PATH (a global install), otherwise `npx nixtag`. The `node_modules/.bin`
 * directories that hook managers and npm scripts put on PATH are not the user's shell's.
 */
function invocation(env: NodeJS.ProcessEnv = process.env): string {
  if (known !== undefined) return known;
  // Under the pre-commit framework, nixtag runs from pre-commit's own environment, not the user's PATH.
  if (env.PRE_COMMIT === '1') return (known = 'npx nixtag');
  const onPath = (env.PATH ?? '')
    .split(path.delimiter)
    .filter(
      (directory) => directory !== '' && !directory.replace(/[\\/]+$/, '').endsWith(`node_modules${path.sep}.bin`),
    )
    .some((directory) => {
      try {
        accessSync(path.join(directory, 'nixtag'), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  known = onPath ? 'nixtag' : 'npx nixtag';
  return known;
}

/** A nixtag command as the user types it in their shell (`npx nixtag …` unless it is on PATH). */
export const cmd = (args: string) => `${invocation()} ${args}`;
