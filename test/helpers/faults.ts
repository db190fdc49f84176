import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { BIN } from './cli.js';
import { deployment, plainImage, STALE } from './expressions.js';
import { treeRecords } from '../../src/tree/records.js';
import { gitRepo, testEnv, type Files, type TestRepo } from './repo.js';

export const REPO = 'registry.example/app';

export const config = (extra = '') =>
  `images:\n  - name: app\n    repository: ${REPO}\n    manifests: ['k8s/*.yaml']\n${extra}`;

/** A repository with one image and one stale manifest, committed. */
export function faultRepo(files: Files = {}): TestRepo {
  return gitRepo({
    'default.nix': plainImage,
    '.nixtagrc.yaml': config(),
    'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    ...files,
  });
}

/** Every file of the work tree (not .git) with a hash of its content, the index and HEAD. */
export function snapshot(dir: string) {
  const files: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(dir, relative))) {
      if (relative === '' && name === '.git') continue;
      const file = path.join(relative, name);
      const stat = lstatSync(path.join(dir, file));
      if (stat.isDirectory()) walk(file);
      else if (stat.isSymbolicLink()) files[file] = `link ${readlinkSync(path.join(dir, file))}`;
      else
        files[file] = `${(stat.mode & 0o777).toString(8)} ${createHash('sha256')
          .update(readFileSync(path.join(dir, file)))
          .digest('hex')}`;
    }
  };
  walk('');
  const git = (...args: string[]) =>
    spawnSync('git', args, { cwd: dir, env: testEnv(), encoding: 'utf8' }).stdout.trim();
  return { files, index: git('ls-files', '-s'), head: git('rev-parse', '--verify', '-q', 'HEAD') };
}

export interface Run {
  code: number | null;
  /** The signal that ended it, if one did. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The built CLI, awaited (so that a test can act while it runs). */
export function runCli(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  options: {
    detached?: boolean;
    onStdout?: (text: string) => void;
    onStderr?: (text: string) => void;
    onStart?: (pid: number) => void;
  } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: testEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    options.onStart?.(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      options.onStdout?.(stdout);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      options.onStderr?.(stderr);
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
  });
}

/**
 * Processes whose command line mentions `dir` (a test's repository) or, for a repository, the
 * directory of its checkouts (outside it: src/tree/records.ts; Nix runs there), other than this one's.
 */
export function processesMentioning(dir: string): string[] {
  const gitDir = path.join(dir, '.git');
  const checkouts = existsSync(gitDir) ? [path.dirname(path.dirname(treeRecords(gitDir).slot('worktree')))] : [];
  const pattern = [dir, ...checkouts].map((place) => place.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const result = spawnSync('pgrep', ['-af', pattern], { encoding: 'utf8' });
  return result.stdout.split('\n').filter((line) => line.trim() !== '' && !line.includes('pgrep'));
}

/** The error output of a CLI run has no raw stack trace and no raw control character but newlines. */
export function expectCleanError(run: Run): void {
  expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  expect(run.stderr).not.toMatch(/unexpected internal error/);
  // eslint-disable-next-line no-control-regex
  expect(run.stderr + run.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
}
