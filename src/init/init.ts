import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NixtagError } from '../errors.js';
import { git } from '../git/git.js';
import { inRepository, openRepository } from '../git/repository.js';
import { installInto, type HookManager } from '../install/managers.js';
import type { InstallResult } from '../install/install.js';
import { messages } from '../messages.js';
import type { Warning } from '../types.js';
import { discover } from './discover.js';
import { firstFixChanges, propose, renderConfig, type Proposal } from './propose.js';

export interface InitOptions {
  cwd: string;
  /** Write `.nixtagrc.yaml` instead of only returning the text. */
  write?: boolean | undefined;
  /** Also wire the hooks of the manager the repository uses. */
  install?: boolean | undefined;
}

export interface InitResult {
  proposal: Proposal;
  /** The commented configuration. */
  config: string;
  /** The file written, if any (absolute). */
  written: string | undefined;
  /** Lines saying what the first `fix` will change. */
  changes: string[];
  warnings: Warning[];
  installed?: (InstallResult & { manager: HookManager }) | undefined;
}

const INIT_FILE = '.nixtagrc.yaml';

/**
 * `nixtag init`: proposes a configuration that manages the images this repository builds and
 * references, says what the first `fix` will change, and with `write` saves it (never over an
 * existing configuration); with `install` it wires the hooks of the manager already in use.
 */
export async function init(options: InitOptions): Promise<InitResult> {
  const discovery = await discover(options.cwd);
  if (options.write && discovery.configFile !== undefined) {
    throw new NixtagError('CONFIG_EXISTS', messages.init.configExists(discovery.configFile), {
      location: { file: discovery.configFile },
      hint: messages.init.configExistsHint(),
    });
  }
  const proposal = propose(discovery);
  const config = renderConfig(proposal);
  let written: string | undefined;
  if (options.write && proposal.images.length > 0) {
    written = path.join(discovery.root, INIT_FILE);
    if (existsSync(written)) throw new NixtagError('CONFIG_EXISTS', messages.init.configExists(INIT_FILE));
    await writeFile(written, config);
    // nixtag reads the configuration CI will see, a tracked file: staged, it counts at once.
    const repository = await openRepository(options.cwd);
    await git(['add', '--', INIT_FILE], inRepository(repository));
  }
  const installed = options.install ? await installInto(options.cwd, { preCommit: 'check', prePush: true }) : undefined;
  return { proposal, config, written, changes: firstFixChanges(proposal), warnings: discovery.warnings, installed };
}
