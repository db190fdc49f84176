/**
 * Finding a Node.js new enough to run nixtag, for the bin started by one that is too old (a
 * pre-commit framework environment whose `node` runs Debian's `nodejs` 20, a GUI client's
 * minimal PATH). Plain synchronous code: this runs on any Node.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const MIN_NODE_MAJOR = 22;

/** Where version managers and Homebrew put node, newest nvm install first. */
function versionManagerNodes(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME || homedir();
  const nvm = env.NVM_DIR || path.join(home, '.nvm');
  const nvmVersions = (() => {
    try {
      return readdirSync(path.join(nvm, 'versions', 'node'))
        .filter((name) => /^v\d+/.test(name))
        .sort((a, b) => Number(b.slice(1).split('.')[0]) - Number(a.slice(1).split('.')[0]))
        .map((name) => path.join(nvm, 'versions', 'node', name, 'bin', 'node'));
    } catch {
      return [];
    }
  })();
  const fnm = [env.FNM_DIR, path.join(home, '.local', 'share', 'fnm'), path.join(home, '.fnm')]
    .filter((directory): directory is string => Boolean(directory))
    .map((directory) => path.join(directory, 'aliases', 'default', 'bin', 'node'));
  return [
    path.join(env.VOLTA_HOME || path.join(home, '.volta'), 'bin', 'node'),
    ...fnm,
    ...nvmVersions,
    '/opt/homebrew/bin/node',
    '/usr/local/bin/node',
  ];
}

/** Every place a node may be, in the order they are tried: PATH's node and nodejs, the recorded one, version managers. */
function nodeCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromPath = (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .flatMap((directory) => [path.join(directory, 'node'), path.join(directory, 'nodejs')]);
  return [...fromPath, ...(env.NIXTAG_NODE ? [env.NIXTAG_NODE] : []), ...versionManagerNodes(env)];
}

function major(node: string): number {
  const result = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? Number(String(result.stdout).trim().split('.')[0]) : 0;
}

/** The first node of at least MIN_NODE_MAJOR among the candidates, other than the one running. */
export function findNode(env: NodeJS.ProcessEnv = process.env): { node: string | undefined; tried: string[] } {
  const self = realpathSync(process.execPath);
  const seen = new Set<string>();
  const tried: string[] = [];
  for (const candidate of nodeCandidates(env)) {
    if (!existsSync(candidate)) continue;
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    if (real === self) continue;
    tried.push(candidate);
    if (major(candidate) >= MIN_NODE_MAJOR) return { node: candidate, tried };
  }
  return { node: undefined, tried };
}
