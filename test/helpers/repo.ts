import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

export type Files = Record<string, string>;

/**
 * The user-level git configuration of the tests: a path under /dev/null, which git reads as no
 * file and cannot write (`could not lock config file`). Not /dev/null itself: a program under test
 * that writes it (`git config --global`, as Tekton's step scripts do) renames its lock file over
 * the path, which would turn the machine's /dev/null into a regular file.
 */
const GIT_CONFIG_GLOBAL = '/dev/null/gitconfig';

/**
 * An environment for git and nixtag in tests: no system git configuration and an empty user one
 * of the test's own (the tests set what they need themselves, and never read or write the
 * machine's /etc/gitconfig or ~/.gitconfig), no hook variables, fixed identity, and not CI mode
 * (a CI=true of the machine running the tests would change every run).
 */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith('GIT_') || name === 'NIXTAG_SKIP' || name === 'CI') delete env[name];
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL,
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    NO_COLOR: '1',
    ...extra,
  };
}

export interface TestRepo {
  dir: string;
  write(files: Files): void;
  read(file: string): string;
  git(...args: string[]): string;
  commit(message?: string): void;
}

/** A temporary directory, removed when the test ends. */
export function tempDir(prefix = 'nixtag-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFiles(dir: string, files: Files): void {
  for (const [file, content] of Object.entries(files)) {
    const absolute = path.join(dir, file);
    mkdirSync(path.dirname(absolute), { recursive: true });
    writeFileSync(absolute, content);
    if (file.endsWith('.sh')) chmodSync(absolute, 0o755);
  }
}

/**
 * A real git repository in a temp dir (named `name`, which matters to `./.` sources), with
 * `files` committed on `main`. `parent` is the directory it goes in when it must outlive the test.
 */
export function gitRepo(files: Files = {}, name = 'app', parent = tempDir()): TestRepo {
  const dir = path.join(parent, name);
  mkdirSync(dir, { recursive: true });
  const repo = repoAt(dir);
  repo.git('init', '--quiet', '--initial-branch', 'main');
  if (Object.keys(files).length > 0) {
    repo.write(files);
    repo.commit('initial');
  }
  return repo;
}

/** A copy of `repo` (work tree, .git, anything untracked), in a temp dir, under the same name. */
export function copyRepo(repo: TestRepo): TestRepo {
  const dir = path.join(tempDir(), path.basename(repo.dir));
  execFileSync('cp', ['-a', repo.dir, dir]);
  return repoAt(dir);
}

function repoAt(dir: string): TestRepo {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: testEnv(), encoding: 'utf8' });
  const repo: TestRepo = {
    dir,
    write: (more) => writeFiles(dir, more),
    read: (file) => readFileSync(path.join(dir, file), 'utf8'),
    git,
    commit: (message = 'commit') => {
      git('add', '--all');
      git('commit', '--quiet', '--allow-empty', '-m', message);
    },
  };
  return repo;
}

/** n2k8s's own tag command, run in `dir` exactly as its pipeline runs it. */
export function n2k8sTag(dir: string, env: Record<string, string> = {}, nixArgs = ''): string {
  const result = spawnSync(
    'sh',
    ['-c', `nix-instantiate ${nixArgs} 2>/dev/null | xargs nix-store -q | cut -d/ -f4 | cut -d- -f1`],
    {
      cwd: dir,
      env: { ...testEnv(), ...env },
      encoding: 'utf8',
    },
  );
  return result.stdout.trim();
}

/** What CI's checkout holds: the committed files, in a directory named `source`. */
export function ciCheckout(repo: TestRepo, checkoutName = 'source'): string {
  const dir = path.join(tempDir('ci-'), checkoutName);
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${repo.dir}" archive HEAD | tar -x -C "${dir}"`], { env: testEnv() });
  return dir;
}
