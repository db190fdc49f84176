import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { tempDir, testEnv } from './repo.js';

/**
 * Every file under a directory, `.git` left out (at any depth): path, kind, executable bit and
 * content (bytes as hex past the first non-text byte), for exact comparison of two checkouts.
 */
export function describeTree(root: string, prefix = ''): string[] {
  return readdirSync(path.join(root, prefix))
    .filter((name) => name !== '.git')
    .sort()
    .flatMap((name) => {
      const relative = prefix ? `${prefix}/${name}` : name;
      const file = path.join(root, relative);
      const stat = lstatSync(file);
      if (stat.isSymbolicLink()) return [`${relative} -> ${readlinkSync(file)}`];
      if (stat.isDirectory()) {
        const inside = describeTree(root, relative);
        return inside.length > 0 ? inside : [`${relative}/`];
      }
      const bytes = readFileSync(file);
      const text = bytes.every((byte) => byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte < 0x7f));
      return [
        `${relative} ${stat.mode & 0o111 ? 'x' : '-'} ${text ? JSON.stringify(bytes.toString()) : bytes.toString('hex')}`,
      ];
    });
}

/**
 * The `.git` of every submodule under a checkout (the root's left out), which describeTree skips:
 * a gitfile's text (`gitdir: ../.git/modules/<name>` in a recursive clone), or `directory`.
 */
export function submoduleGitFiles(root: string, prefix = ''): string[] {
  return readdirSync(path.join(root, prefix), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() || (entry.name === '.git' && prefix !== ''))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.name !== '.git') return submoduleGitFiles(root, relative);
      if (prefix === '') return [];
      return [
        `${relative} ${entry.isDirectory() ? 'directory' : JSON.stringify(readFileSync(path.join(root, relative), 'utf8'))}`,
      ];
    });
}

/** The tree as git itself extracts it. */
export function archived(dir: string, tree: string): string[] {
  const out = path.join(tempDir('expected-'), 'x');
  mkdirSync(out);
  execFileSync('sh', ['-c', `git -C "${dir}" archive ${tree} | tar -x -C "${out}"`], { env: testEnv() });
  return describeTree(out);
}

/** Git as on CI's fresh machine: no system or global configuration (testEnv's), a file:// submodule allowed. */
export function cleanGitEnv(): NodeJS.ProcessEnv {
  return { ...testEnv(), GIT_ALLOW_PROTOCOL: 'file' };
}

/** A fresh `git clone` of a repository's HEAD, recursive as Tekton's git-clone, in `<tmp>/source`. */
export function freshClone(dir: string, recursive = true): string {
  const target = path.join(tempDir('clone-'), 'source');
  const args = ['clone', '--quiet', ...(recursive ? ['--recurse-submodules'] : []), dir, target];
  execFileSync('git', args, { env: cleanGitEnv(), stdio: 'ignore' });
  return target;
}

/**
 * What Tekton's git-clone task does with `submodules: true` (tektoncd/pipeline pkg/git Fetch and
 * SubmoduleFetch): init, fetch with --recurse-submodules=yes, checkout FETCH_HEAD, then `git
 * submodule init` and `git submodule update --recursive`; the step fails where one of them does.
 */
export function tektonClone(dir: string): string {
  const target = path.join(tempDir('clone-'), 'source');
  const run = (...args: string[]) =>
    execFileSync('git', ['-c', 'protocol.file.allow=always', ...args], {
      cwd: target,
      env: cleanGitEnv(),
      stdio: 'ignore',
    });
  mkdirSync(target, { recursive: true });
  run('init', '--quiet');
  run('remote', 'add', 'origin', dir);
  run('fetch', '--quiet', '--recurse-submodules=yes', 'origin', '--update-head-ok', '--force', 'HEAD');
  run('checkout', '--quiet', '-f', 'FETCH_HEAD');
  run('submodule', 'init');
  run('submodule', 'update', '--quiet', '--recursive');
  return target;
}

/** git-lfs's filter, as `git lfs install` configures it. */
export const LFS_FILTER: ReadonlyArray<readonly [string, string]> = [
  ['filter.lfs.process', 'git-lfs filter-process'],
  ['filter.lfs.clean', 'git-lfs clean -- %f'],
  ['filter.lfs.smudge', 'git-lfs smudge -- %f'],
  ['filter.lfs.required', 'true'],
];

/** A fresh clone in `<tmp>/source` made where git-lfs is installed: LFS files hold their content. */
export function lfsClone(dir: string): string {
  const global = path.join(tempDir('lfs-config-'), 'gitconfig');
  execFileSync('git', ['config', '--file', global, 'init.defaultBranch', 'main']);
  for (const [key, value] of LFS_FILTER) execFileSync('git', ['config', '--file', global, key, value]);
  const target = path.join(tempDir('clone-'), 'source');
  execFileSync('git', ['clone', '--quiet', `file://${dir}`, target], {
    env: { ...cleanGitEnv(), GIT_CONFIG_GLOBAL: global },
    stdio: 'ignore',
  });
  return target;
}
