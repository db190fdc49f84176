import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import {
  config,
  expectCleanError,
  type Run,
  faultRepo,
  processesMentioning,
  REPO,
  runCli,
  snapshot,
} from '../helpers/faults.js';
import { pauses, until } from '../helpers/pause.js';
import { STALE_MS } from '../../src/state/lock.js';
import { treeRecords } from '../../src/tree/records.js';
import { tempDir, testEnv, writeFiles } from '../helpers/repo.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shortWrite = pathToFileURL(path.resolve(here, '../helpers/shortWrite.mjs')).href;
const lockModule = path.resolve(here, '../../dist/state/lock.js');

/** A manifest of about 150 KB: more than a nearly full disk has room for. */
const bigManifest = (tag: string) => deployment(`${REPO}:${tag}`) + `# ${'padding '.repeat(19_000)}\n`;

const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.includes('.nixtag-'));

/** A git repository at `dir` (which must exist), with `files` committed. */
function repoAt(dir: string, files: Record<string, string>) {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: testEnv(), encoding: 'utf8' });
  git('init', '--quiet', '--initial-branch', 'main');
  writeFiles(dir, files);
  git('add', '--all');
  git('commit', '--quiet', '-m', 'initial');
  return { dir, git };
}

/** A small tmpfs, unmounted when the test ends; undefined where mounting is not allowed. */
function smallFileSystem(kilobytes: number): string | undefined {
  const dir = path.join(tempDir(), 'small');
  mkdirSync(dir);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kilobytes}k`, 'tmpfs', dir]).status === 0;
  if (!mounted) return undefined;
  onTestFinished(() => {
    spawnSync('umount', ['-l', dir]);
  });
  return dir;
}

/** Fills the file system `dir` is on, then frees `free` bytes. */
function fillUp(dir: string, free: number): void {
  const filler = path.join(dir, 'filler');
  const descriptor = openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  let size = 0;
  try {
    for (;;) size += writeSync(descriptor, chunk);
  } catch {
    // full
  }
  ftruncateSync(descriptor, Math.max(0, size - free));
  closeSync(descriptor);
}

/** Makes `file` impossible to replace: immutable where the file system allows, else a read-only mount. */
function freeze(file: string): void {
  if (spawnSync('chattr', ['+i', file]).status === 0) {
    onTestFinished(() => {
      spawnSync('chattr', ['-i', file]);
    });
    return;
  }
  const directory = path.dirname(file);
  execFileSync('mount', ['--bind', directory, directory]);
  onTestFinished(() => {
    spawnSync('umount', ['-l', directory]);
  });
  execFileSync('mount', ['-o', 'remount,bind,ro', directory]);
}

describe('writes under faults', () => {
  it('fix and fix --staged on a full disk: exit 3 naming the file, nothing changed, no temporary file', async () => {
    const disk = smallFileSystem(1024);
    const env: Record<string, string> =
      disk === undefined ? { NODE_OPTIONS: `--import=${shortWrite}`, NIXTAG_TEST_WRITE_LIMIT: '61440' } : {};
    const dir = path.join(disk ?? tempDir(), 'app');
    mkdirSync(dir);
    const repo = repoAt(dir, {
      'default.nix': plainImage,
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': bigManifest(STALE),
    });
    expect((await runCli(dir, ['check'])).code).toBe(1); // checks out the tree and caches the tag
    if (disk !== undefined) fillUp(disk, 60 * 1024);
    const before = snapshot(dir);

    let writeFailures = 0;
    for (const args of [['fix'], ['fix', '--staged'], ['hook', 'pre-commit', '--fix']]) {
      const run = await runCli(dir, args, env);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/nixtag: error \[(WRITE_FAILED|GIT_FAILED)\]/);
      if (run.stderr.includes('WRITE_FAILED')) {
        writeFailures++;
        expect(run.stderr).toMatch(
          /Could not write k8s\/app\.yaml: .*(no space left on device|of \d+ bytes could be written)/i,
        );
        expect(run.stderr).toMatch(/hint: Free some space/);
      }
      expect(run.stdout).not.toMatch(/fixed/);
      expectCleanError(run);
      expect(snapshot(dir)).toEqual(before);
      expect(leftovers(path.join(dir, 'k8s'))).toEqual([]);
    }
    expect(repo.git('status', '--porcelain')).not.toMatch(/k8s/);
    // git may be the one to fail writing the index; nixtag's own write fails at least once.
    expect(writeFailures).toBeGreaterThan(0);
  });

  it('a write cut short (an fs shim): exit 3, the manifest and the index as they were', async () => {
    const repo = faultRepo({ 'k8s/app.yaml': bigManifest(STALE) });
    const env = { NODE_OPTIONS: `--import=${shortWrite}`, NIXTAG_TEST_WRITE_LIMIT: '61440' };
    const before = snapshot(repo.dir);
    for (const args of [['fix'], ['fix', '--staged']]) {
      const run = await runCli(repo.dir, args, env);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toContain('nixtag: error [WRITE_FAILED]: Could not write k8s/app.yaml: only 61440 of');
      expectCleanError(run);
      expect(snapshot(repo.dir)).toEqual(before);
      expect(leftovers(path.join(repo.dir, 'k8s'))).toEqual([]);
    }
    // Without the shim the same fix goes through: the failure was the write's.
    expect((await runCli(repo.dir, ['fix', '--staged'])).code).toBe(0);
    expect(repo.git('diff', '--cached', '--name-only').trim()).toBe('k8s/app.yaml');
  });

  it('fix --staged with an immutable working-tree copy: exit 3, index and working tree unchanged', async () => {
    const repo = faultRepo();
    const before = snapshot(repo.dir);
    freeze(path.join(repo.dir, 'k8s/app.yaml'));
    for (const args of [['fix', '--staged'], ['fix']]) {
      const run = await runCli(repo.dir, args);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(
        /nixtag: error \[WRITE_FAILED\]: Could not write k8s\/app\.yaml: .*(operation not permitted|read-only file system)/i,
      );
      expect(run.stderr).toMatch(/hint: Make the file and its directory writable/);
      expectCleanError(run);
      expect(snapshot(repo.dir)).toEqual(before);
      expect(leftovers(path.join(repo.dir, 'k8s'))).toEqual([]);
    }
  });

  it('temporary files a killed fix left are removed by the next run', async () => {
    // One left by hand, by a pid that is gone.
    const dead = spawnSync('true').pid;
    const files: Record<string, string> = {};
    for (let index = 0; index < 3; index++) files[`k8s/app-${index}.yaml`] = bigManifest(STALE);
    const repo = faultRepo(files);
    const abandoned = path.join(repo.dir, 'k8s', `.app-1.yaml.nixtag-${dead}-0123abcd`);
    writeFileSync(abandoned, 'partial');
    expect((await runCli(repo.dir, ['check'])).code).toBe(1);
    expect(existsSync(abandoned)).toBe(false);
    // Once every manifest's scan is remembered, the journal a killed fix left says where to look.
    const journaled = path.join(repo.dir, 'k8s', `.app-2.yaml.nixtag-${dead}-4567abcd`);
    writeFileSync(journaled, 'partial');
    mkdirSync(path.join(repo.dir, '.git/nixtag/writing'), { recursive: true });
    writeFileSync(path.join(repo.dir, `.git/nixtag/writing/${dead}.json`), JSON.stringify([path.dirname(journaled)]));
    expect((await runCli(repo.dir, ['check', '--json'])).code).toBe(1);
    expect(existsSync(journaled)).toBe(false);
    expect(existsSync(path.join(repo.dir, `.git/nixtag/writing/${dead}.json`))).toBe(false);
  });

  it.each([
    ['while Nix evaluates', 'nix-running', 0],
    ['with a new content in its temporary file, nothing renamed yet', 'manifest-temporary', 0],
    ['with one manifest renamed into place, the others not yet', 'manifest-renamed', 1],
  ] as const)(
    'a fix killed %s: every manifest whole, the next run cleans up and heals',
    async (_when, point, renamed) => {
      const files: Record<string, string> = {};
      for (let index = 0; index < 3; index++) files[`k8s/app-${index}.yaml`] = bigManifest(STALE);
      const victim = faultRepo(files);
      // Not remembered: the fix evaluates.
      const tag = JSON.parse(nixtagCli(victim.dir, ['hash', '--json', '--no-cache']).stdout).images[0].hash as string;
      const pause = pauses(point);
      const run = runCli(victim.dir, ['fix'], pause.env);
      const pid = await pause.reached(point, run);
      process.kill(pid, 'SIGKILL');
      expect((await run).signal).toBe('SIGKILL');

      const contents = Object.keys(files).map((name) => victim.read(name));
      for (const content of contents) expect([bigManifest(STALE), bigManifest(tag)]).toContain(content);
      expect(contents.filter((content) => content === bigManifest(tag))).toHaveLength(renamed);
      // Killed inside the write, it left temporary files (and its journal); before it, nothing.
      expect(leftovers(path.join(victim.dir, 'k8s')).length > 0).toBe(point !== 'nix-running');
      // Its Nix does not outlive it (the watchdog).
      await until(() => processesMentioning(victim.dir).length === 0, 'no process of the killed run is left');

      const next = await runCli(victim.dir, ['check']);
      expect(next.code, next.stderr).toBe(1);
      expect(leftovers(path.join(victim.dir, 'k8s'))).toEqual([]);
      expect(existsSync(path.join(victim.dir, `.git/nixtag/writing/${pid}.json`))).toBe(false);
      const fixed = await runCli(victim.dir, ['fix']);
      expect(fixed.code, fixed.stderr).toBe(0);
      for (const name of Object.keys(files)) expect(victim.read(name)).toBe(bigManifest(tag));
    },
  );
});

/** A plain file where nixtag keeps a directory. */
function fileInsteadOf(gitDir: string, directory: string): void {
  const absolute = path.resolve(gitDir, directory);
  rmSync(absolute, { recursive: true });
  writeFileSync(absolute, 'x');
}

/** Where nixtag checks out the working tree of the repository whose git dir this is (tree/records.ts). */
const worktreeSlot = (gitDir: string) => treeRecords(gitDir).slot('worktree');

describe('a double fault', () => {
  it('keeps the original when the rewrite and putting it back both fail, also after the process exits', () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.yaml');
    writeFileSync(file, 'image: app:old\n');
    // The step alongside fails after the rename, and app.yaml is then a directory: the rollback
    // cannot rename the original back either.
    const script = `
      import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
      import { replaceFiles } from ${JSON.stringify(pathToFileURL(path.resolve(here, '../../dist/manifest/write.js')).href)};
      const target = ${JSON.stringify(file)};
      await replaceFiles([{ target, content: 'image: app:new\\n', displayFile: 'k8s/app.yaml' }], async () => {
        rmSync(target);
        mkdirSync(target);
        writeFileSync(target + '/blocker', 'x');
        throw new Error('index update failed');
      }).catch((error) => console.log(error.code + ': ' + error.message));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stdout).toMatch(
      /^WRITE_FAILED: .*k8s\/app\.yaml could not be put back: the original of each is kept as k8s\/\.app\.yaml\.nixtag-original-\d+/,
    );
    const kept = readdirSync(dir).filter((name) => name.startsWith('.app.yaml.nixtag-original-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(dir, kept[0]!), 'utf8')).toBe('image: app:old\n');
    expect(readdirSync(dir).filter((name) => /\.nixtag-\d+-/.test(name))).toEqual([]);
  });
});

describe('state that crashed instead of healing', () => {
  const cases: Array<[string, (gitDir: string) => void]> = [
    [
      '{"entries":null} in evaluations.json',
      (gitDir) => writeFileSync(path.join(gitDir, 'nixtag/cache/evaluations.json'), '{"entries":null,"version":1}'),
    ],
    [
      'a cache record of the wrong shape',
      (gitDir) =>
        writeFileSync(
          path.join(gitDir, 'nixtag/cache/evaluations.json'),
          '{"version":2,"records":[{"environment":null,"inputs":null,"tags":null}]}',
        ),
    ],
    [
      '{"scans":null} in scans-worktree.json',
      (gitDir) => writeFileSync(path.join(gitDir, 'nixtag/cache/scans-worktree.json'), '{"version":2,"scans":null}'),
    ],
    [
      'a remembered scan of the wrong shape',
      (gitDir) => {
        const file = path.join(gitDir, 'nixtag/cache/scans-worktree.json');
        writeFileSync(file, readFileSync(file, 'utf8').replace(/"rows":\[/g, '"rows":[null,'));
      },
    ],
    ['a file where .git/nixtag belongs', (gitDir) => fileInsteadOf(gitDir, 'nixtag')],
    [
      'a checkout record with a trailing newline',
      (gitDir) => {
        const record = path.join(worktreeSlot(gitDir), 'source.tree');
        writeFileSync(record, `${readFileSync(record, 'utf8').trim()}\n`);
      },
    ],
    [
      'an interrupted checkout update (its marker left, a file missing)',
      (gitDir) => {
        writeFileSync(path.join(worktreeSlot(gitDir), 'source.updating'), 'x');
        rmSync(path.join(worktreeSlot(gitDir), 'source/default.nix'));
      },
    ],
    [
      'a checkout record that is not a tree id',
      (gitDir) => writeFileSync(path.join(worktreeSlot(gitDir), 'source.tree'), 'garbage'),
    ],
    ['a file where the checkouts belong', (gitDir) => fileInsteadOf(gitDir, path.dirname(worktreeSlot(gitDir)))],
    ['a file where the slot belongs', (gitDir) => fileInsteadOf(gitDir, worktreeSlot(gitDir))],
    ['a cache directory that is a file', (gitDir) => fileInsteadOf(gitDir, 'nixtag/cache')],
  ];
  it.each(cases)('%s: discarded and rebuilt, the verdict unchanged', async (_name, corrupt) => {
    const repo = faultRepo({ 'k8s/app.yaml': deployment(`${REPO}:${STALE}`), 'app/main.txt': 'v1\n' });
    expect((await runCli(repo.dir, ['check'])).code).toBe(1);
    repo.write({ 'app/main.txt': 'v2\n' }); // the next run updates the checkout
    const gitDir = path.join(repo.dir, '.git');
    corrupt(gitDir);
    const before = snapshot(repo.dir);
    for (let round = 0; round < 2; round++) {
      const run = await runCli(repo.dir, ['check', '--json']);
      expect(run.code, run.stderr).toBe(1);
      expect(JSON.parse(run.stdout).references[0].status).toBe('stale');
      expect(snapshot(repo.dir)).toEqual(before);
    }
    expect(statSync(path.join(gitDir, 'nixtag')).isDirectory()).toBe(true);
    // A header line with the records' sha256, then the records (state/evaluations.ts).
    const [, records = ''] = readFileSync(path.join(gitDir, 'nixtag/cache/evaluations.json'), 'utf8').split('\n');
    const cache = { records: JSON.parse(records) as unknown[] };
    expect(cache.records.length).toBeGreaterThan(0);
    const slot = worktreeSlot(gitDir);
    expect(slot.split(path.sep)).not.toContain('.git'); // a filter on `/.git/` sees none of it
    expect(readFileSync(path.join(slot, 'source/app/main.txt'), 'utf8')).toBe('v2\n');
    expect(existsSync(path.join(slot, 'source/default.nix'))).toBe(true);
    expect(existsSync(path.join(slot, 'source.updating'))).toBe(false);
  });
});

describe('the checkout and the lock', () => {
  it('the checkout is complete before the lock is let go, also when the tags come from the cache', async () => {
    const repo = faultRepo();
    const slot = worktreeSlot(path.join(repo.dir, '.git'));
    // Two runs teach the cache that the manifest is no Nix input: the third takes its tags from it.
    expect((await runCli(repo.dir, ['check'])).code).toBe(1);
    repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${'1'.repeat(32)}`) });
    expect((await runCli(repo.dir, ['check'])).code).toBe(1);
    const next = deployment(`${REPO}:${'2'.repeat(32)}`);
    repo.write({ 'k8s/app.yaml': next });

    // The first run stops inside its checkout update; the second starts the moment the first answers.
    let atAnswer: { marker: boolean; checkout: string } | undefined;
    let second: Promise<Run> | undefined;
    const pause = pauses('checkout-update');
    const firstRun = runCli(repo.dir, ['check', '--json'], pause.env, {
      onStdout: () => {
        if (atAnswer !== undefined) return;
        atAnswer = {
          marker: existsSync(path.join(slot, 'source.updating')),
          checkout: readFileSync(path.join(slot, 'source/k8s/app.yaml'), 'utf8'),
        };
        second = runCli(repo.dir, ['check', '--json']);
      },
    });
    await pause.reached('checkout-update', firstRun);
    expect(existsSync(path.join(slot, 'source.updating'))).toBe(true);
    // Held there until a run started now has waited for the lock long enough to say so: no answer meanwhile.
    let waiting = false;
    const waiter = runCli(
      repo.dir,
      ['check', '--json'],
      {},
      { onStderr: (text) => (waiting ||= /waiting for another nixtag run/.test(text)) },
    );
    await until(() => waiting || atAnswer !== undefined, 'a run waits for the lock', { stop: waiter });
    expect(atAnswer).toBeUndefined();
    pause.go('checkout-update');
    const first = await firstRun;
    expect(first.code).toBe(1);
    expect(JSON.parse(first.stdout).evaluated).toBeUndefined();
    expect(atAnswer).toEqual({ marker: false, checkout: next });
    for (const after of [await second!, await waiter]) {
      expect(after.code, after.stderr).toBe(1);
      expect(JSON.parse(after.stdout).references[0].status).toBe('stale');
    }
    expect(existsSync(path.join(slot, 'source.updating'))).toBe(false);
    expect(readFileSync(path.join(slot, 'source/k8s/app.yaml'), 'utf8')).toBe(next);
    expect(readFileSync(path.join(slot, 'source/default.nix'), 'utf8')).toBe(plainImage);
    // And the tag is still the one Nix computes for the tree.
    const cached = JSON.parse((await runCli(repo.dir, ['hash', '--json'])).stdout).images[0].hash;
    const fresh = JSON.parse((await runCli(repo.dir, ['hash', '--json', '--no-cache'])).stdout).images[0].hash;
    expect(cached).toBe(fresh);
  });

  it('a run waits for a busy holder, says so, and gives up after NIXTAG_LOCK_TIMEOUT', async () => {
    const repo = faultRepo();
    const go = path.join(tempDir('go-'), 'go');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { existsSync } from 'node:fs';
         const { lockRepository } = await import(${JSON.stringify(lockModule)});
         const lock = await lockRepository({ gitDir: '.git' });
         console.log('locked');
         // Busy until told: its event loop never turns.
         const pause = new Int32Array(new SharedArrayBuffer(4));
         while (!existsSync(${JSON.stringify(go)})) Atomics.wait(pause, 0, 0, 10);
         await lock.release();
         console.log('released');`,
      ],
      { cwd: repo.dir, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let holderOut = '';
    holder.stdout.on('data', (chunk) => (holderOut += chunk));
    const holderExit = new Promise((resolve) => holder.once('exit', resolve));
    await until(() => holderOut.includes('locked'), 'the holder takes the lock', { stop: holderExit });
    const lock = path.join(repo.dir, '.git/nixtag/lock');
    const since = (JSON.parse(readFileSync(path.join(lock, 'owner'), 'utf8')) as { since: number }).since;

    let waitedEnded = false;
    const waitedRun = runCli(repo.dir, ['check']).finally(() => (waitedEnded = true));
    const timedOut = await runCli(repo.dir, ['check'], { NIXTAG_LOCK_TIMEOUT: '1.5' });
    expect(timedOut.code).toBe(3);
    expect(timedOut.stderr).toMatch(/waiting for another nixtag run on this repository \(pid \d+\)/);
    expect(timedOut.stderr).toMatch(/nixtag: error \[LOCK_TIMEOUT\]: Another nixtag run \(pid \d+\) has held/);
    expectCleanError(timedOut);

    // Busy for longer than an unrefreshed lock stays valid, and the lock older than that: the
    // holder is alive on this machine, so the waiting run does not take it.
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(lock, old, old);
    await until(() => Date.now() > since + 2 * STALE_MS, 'the holder is busy past the stale time');
    expect(waitedEnded).toBe(false);
    writeFileSync(go, '');
    const waited = await waitedRun;
    expect(waited.code, waited.stderr).toBe(1);
    expect(waited.stderr).toMatch(/waiting for another nixtag run/);
    expect(await holderExit).toBe(0);
    expect(holderOut).toContain('released'); // it let go itself: nobody took the lock from it
  });
});

describe('hostile names and paths', () => {
  it('prints a file name with terminal escape codes as git quotes it', async () => {
    const name = 'k8s/\x1b[31mred.yaml';
    const repo = faultRepo({ [name]: deployment(`${REPO}:${STALE}`) });
    const run = await runCli(repo.dir, ['check']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('"k8s/\\033[31mred.yaml":10:18: stale reference to app');
    expectCleanError(run);
    const json = await runCli(repo.dir, ['check', '--json']);
    expect(JSON.parse(json.stdout).references.map((reference: { file: string }) => reference.file)).toContain(name);
  });

  it('refuses configuration paths that leave the repository, and a pin that links out of it', async () => {
    const repo = faultRepo({ '.nixtagrc.yaml': `pin: ../../etc/shadow\n${config()}` });
    const run = await runCli(repo.dir, ['check']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/CONFIG_INVALID[\s\S]*pin: a file inside the repository/);

    const linked = faultRepo();
    symlinkSync('/etc/passwd', path.join(linked.dir, '.nixpkgs-pin.json'));
    linked.commit('pin');
    const before = snapshot(linked.dir);
    const pinned = await runCli(linked.dir, ['check']);
    expect(pinned.code).toBe(2);
    expect(pinned.stderr).toMatch(/PIN_INVALID.*symlink to a file outside the repository/);
    expect(pinned.stderr).not.toContain('root:');
    const shown = await runCli(linked.dir, ['pin', 'show']);
    expect(shown.code).toBe(2);
    expect(shown.stderr + shown.stdout).not.toContain('root:');
    expect(snapshot(linked.dir)).toEqual(before);
  });
});
