// Helpers shared by the benchmarks: temp git repos, timing, medians. Plain JS so benchmarks run
// from the built package without a TypeScript loader.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli/bin.js');

const temporary = [];
// nixtag keeps its checkouts in the temporary directory (docs/cache-and-lock.md): the benchmarks'
// go in one of their own, removed with their repositories.
process.env.TMPDIR = mkdtempSync(path.join(tmpdir(), 'nixtag-bench-run-'));
temporary.push(process.env.TMPDIR);
// And the location probe's second checkouts (XDG_CACHE_HOME, docs/tag-derivation.md): not the user's ~/.cache.
process.env.XDG_CACHE_HOME = path.join(process.env.TMPDIR, 'cache');

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

process.on('exit', () => {
  if (!process.env.NIXTAG_BENCH_KEEP) temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

/** A committed git repository holding `files`, in a directory named `name`. */
export function repository(files, name = 'app') {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'nixtag-bench-')), name);
  temporary.push(path.dirname(dir));
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  const git = (...args) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' });
  git('init', '--quiet', '--initial-branch', 'main');
  git('add', '--all');
  git('commit', '--quiet', '-m', 'bench');
  return { dir, git };
}

/**
 * A committed git repository of many files, written by one `git fast-import` stream (each
 * distinct content once) and checked out by git: 100,000 `git add`s would take many minutes.
 * `files` yields [path, content] pairs.
 */
export function generatedRepository(files, name = 'app') {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'nixtag-bench-')), name);
  temporary.push(path.dirname(dir));
  mkdirSync(dir, { recursive: true });
  const git = (...args) => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8' });
  git('init', '--quiet', '--initial-branch', 'main');
  const blobs = [];
  const marks = new Map();
  const entries = [];
  for (const [file, content] of files) {
    let mark = marks.get(content);
    if (mark === undefined) {
      marks.set(content, (mark = marks.size + 1));
      blobs.push(`blob\nmark :${mark}\ndata ${Buffer.byteLength(content)}\n${content}\n`);
    }
    entries.push(`M 100644 :${mark} ${file}\n`);
  }
  const commit = 'commit refs/heads/main\ncommitter bench <bench@example.com> 0 +0000\ndata 5\nbench\n';
  const stream = [...blobs, commit, ...entries].join('');
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, env, input: stream, maxBuffer: 1 << 30 });
  git('reset', '--quiet', '--hard', 'main');
  return { dir, git };
}

/** Wall time of one run of a command, in milliseconds. */
export function time(command, args, options = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: 'utf8', ...options });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (options.expectStatus !== undefined && result.status !== options.expectStatus) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return elapsed;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Measures a subject against a baseline in interleaved rounds (drift on a noisy machine hits both
 * alike), prints both medians and their ratio, and says whether the ratio meets the target. Each
 * measure returns milliseconds; `before` prepares a round outside the timing.
 */
export async function compare({ title, baseline, subject, target, rounds = 7, before }) {
  const samples = [[], []];
  for (let round = 0; round < rounds; round++) {
    await before?.(round);
    await nixAtRest();
    samples[0].push(await baseline[1]());
    await nixAtRest();
    samples[1].push(await subject[1]());
  }
  const [base, measured] = samples.map(median);
  return report(title, { [baseline[0]]: base, [subject[0]]: measured }, measured / base, target);
}

/**
 * nixtag takes Nix's answer as soon as it is traced and leaves Nix to free its heap on its own;
 * the next measurement waits for that, so that it does not share the CPU with it.
 */
export async function nixAtRest() {
  while (spawnSync('pgrep', ['-x', 'nix-instantiate']).status === 0) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Milliseconds an async piece of work takes. */
export async function elapsed(work) {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function report(title, figures, ratio, target) {
  const verdict = ratio <= target ? 'meets' : 'MISSES';
  console.log(`\n${title}`);
  for (const [name, ms] of Object.entries(figures)) console.log(`  ${name.padEnd(44)} ${ms.toFixed(1).padStart(9)} ms`);
  console.log(`  ratio ${ratio.toFixed(3)} (target <= ${target}: ${verdict})`);
  return ratio <= target;
}
