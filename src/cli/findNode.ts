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

/** `directory` and every directory above it. */
function upwards(directory: string): string[] {
  const all = [path.resolve(directory)];
  while (path.dirname(all.at(-1)!) !== all.at(-1)) all.push(path.dirname(all.at(-1)!));
  return all;
}

/**
 * The Node a project installed for itself (`npm install --save-dev node@22`: `.bin/node`, and the
 * `node` package's own bin), in the node_modules of the repository the command runs in and of the
 * folders nixtag is installed in. lefthook, the pre-commit framework's `language: system` and any
 * script that runs `node_modules/.bin/nixtag` directly start it on PATH's node, without
 * node_modules/.bin on PATH; the pre-commit framework's `repo:` route installs nixtag in an
 * environment of its own, whose lib/node_modules may hold a `node` package beside it.
 */
function projectNodes(places: readonly string[]): string[] {
  return [...new Set(places.flatMap(upwards))]
    .filter((directory) => existsSync(path.join(directory, 'node_modules')) && !tracksNodeModules(directory))
    .flatMap((directory) => [
      path.join(directory, 'node_modules', '.bin', 'node'),
      path.join(directory, 'node_modules', 'node', 'bin', 'node'),
    ]);
}

/**
 * Whether git tracks anything under `directory`'s node_modules: a clone's committed
 * node_modules/.bin/node (or a fetched branch's) is someone else's code, never run (the hook
 * scripts, hooks/, pass over it too). Asked of the repository around `directory` itself, not the
 * one a hook's GIT_DIR names.
 */
function tracksNodeModules(directory: string): boolean {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE'].includes(name)),
  );
  // Case-insensitively: on macOS's and Windows' file systems node_modules/ opens a tracked Node_modules/.
  const result = spawnSync('git', ['ls-files', '--error-unmatch', '--', ':(icase)node_modules'], {
    cwd: directory,
    env,
    stdio: 'ignore',
  });
  return result.status === 0;
}

/**
 * Every place a node may be, in the order they are tried: the project's node_modules (from the
 * working directory, then from where this bin was started and where it really is), PATH's node and
 * nodejs, the recorded one, version managers.
 */
function nodeCandidates(env: NodeJS.ProcessEnv, places: readonly string[]): string[] {
  const fromPath = (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .flatMap((directory) => [path.join(directory, 'node'), path.join(directory, 'nodejs')]);
  return [
    ...projectNodes(places),
    ...fromPath,
    ...(env.NIXTAG_NODE ? [env.NIXTAG_NODE] : []),
    ...versionManagerNodes(env),
  ];
}

/**
 * The working directory (a hook's is the repository's root), and the bin as started and as it
 * really is where that is inside a node_modules folder (a checkout of nixtag's own is not a
 * project that installed it).
 */
function defaultPlaces(): string[] {
  const script = process.argv[1];
  const places = [process.cwd()];
  if (script !== undefined) {
    const started = path.resolve(script);
    let real = started;
    try {
      real = realpathSync(started);
    } catch {
      // A script that is gone leaves the other places.
    }
    for (const file of [started, real]) {
      if (file.split(path.sep).includes('node_modules')) places.push(path.dirname(file));
    }
  }
  return places;
}

function major(node: string): number {
  const result = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? Number(String(result.stdout).trim().split('.')[0]) : 0;
}

/**
 * The first node of at least MIN_NODE_MAJOR among the candidates, other than the one running.
 * `places` are the directories whose node_modules (and their parents') are searched first.
 */
export function findNode(
  env: NodeJS.ProcessEnv = process.env,
  places: readonly string[] = defaultPlaces(),
): { node: string | undefined; tried: string[] } {
  const self = realpathSync(process.execPath);
  const seen = new Set<string>();
  const tried: string[] = [];
  for (const candidate of nodeCandidates(env, places)) {
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
