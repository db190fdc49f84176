import type { InstallResult } from '../install/install.js';
import { messages } from '../messages.js';
import type { Output } from './output.js';

/** What an install did: each hook, what npm install in other clones now runs, and notes. */
export function printInstalled(result: InstallResult, output: Output): void {
  for (const action of result.actions) output.out(messages.installed(action.hook, action.file, action.action));
  if (result.prepare === undefined) output.err(messages.warning(messages.noPackageJson()));
  else output.out(messages.prepareInstalled(result.prepare.command, result.prepare.file, result.prepare.action));
  for (const note of result.notes) output.err(messages.warning(note));
}
