import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { runCli } from '../helpers/faults.js';
import { hookEnv, hookRepo, installHooks } from '../helpers/hooks.js';
import { pauses, until } from '../helpers/pause.js';
import { gitRepo, testEnv } from '../helpers/repo.js';

const REPO = 'registry.example/app';
const CONFIG = `images:\n  - name: app\n    repository: ${REPO}\n`;

/** The built CLI in a pseudo-terminal (util-linux's `script`), as a person at a terminal runs it; not awaited. */
function inTerminal(cwd: string, args: string[], env: Record<string, string> = {}) {
  const command = [process.execPath, BIN, ...args].map((word) => `'${word}'`).join(' ');
  const rest = testEnv({ SHELL: '/bin/sh' });
  delete rest.NO_COLOR;
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env: { ...rest, ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const done = new Promise<{ code: number; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? -1, output })),
  );
  return { output: () => output, done };
}

const PROGRESS = 'nixtag: Nix is evaluating';
const DRAWN = /nixtag: Nix is evaluating app… [1-9]\d*s/;

/** A committed repository with one image and a stale manifest. */
function staleRepo() {
  const repo = gitRepo({ 'default.nix': plainImage, 'k8s/app.yaml': deployment(`${REPO}:${STALE}`) });
  repo.write({ '.nixtagrc.yaml': CONFIG });
  repo.commit('config');
  return repo;
}

/**
 * A run in a terminal whose Nix is held (src/testPause.ts) until its progress line, drawn after
 * a second of Nix, is on the screen. Runs held since before it started have had Nix running
 * longer: had they a progress line, they would have drawn it by then.
 */
async function progressShown(env: Record<string, string> = {}) {
  const pause = pauses('nix-running');
  const run = inTerminal(staleRepo().dir, ['check', '--no-cache'], { ...env, ...pause.env });
  await pause.reached('nix-running', run.done);
  await until(() => DRAWN.test(run.output()), 'the progress line is drawn', { stop: run.done });
  pause.go('nix-running');
  return run.done;
}

describe('the terminal', () => {
  it('shows a progress line while Nix evaluates on a terminal, and nowhere else', async () => {
    const repo = staleRepo();
    // Held while Nix runs: --json and --quiet in a terminal, and output to a pipe.
    const held = [pauses('nix-running'), pauses('nix-running'), pauses('nix-running')] as const;
    const json = inTerminal(repo.dir, ['check', '--no-cache', '--json'], held[0].env);
    const quiet = inTerminal(staleRepo().dir, ['check', '--no-cache', '--quiet'], held[1].env);
    const piped = runCli(staleRepo().dir, ['check', '--no-cache'], held[2].env);
    await Promise.all([
      held[0].reached('nix-running', json.done),
      held[1].reached('nix-running', quiet.done),
      held[2].reached('nix-running', piped),
    ]);

    const tty = await progressShown();
    expect(tty.code).toBe(1);
    expect(tty.output).toMatch(DRAWN);
    expect(tty.output).toContain('\x1b[K'); // erased once Nix answers
    expect(tty.output).toContain('\x1b[31m'); // colour on a terminal

    for (const pause of held) pause.go('nix-running');
    const [jsonRun, quietRun, pipedRun] = await Promise.all([json.done, quiet.done, piped]);
    expect(jsonRun.code).toBe(1);
    expect(jsonRun.output).not.toContain(PROGRESS);
    expect(jsonRun.output).not.toContain('\x1b[');
    expect(quietRun.code).toBe(1);
    expect(quietRun.output).not.toContain(PROGRESS);
    expect(pipedRun.code).toBe(1);
    expect(pipedRun.stderr + pipedRun.stdout).not.toContain(PROGRESS);
    expect(pipedRun.stdout).not.toContain('\x1b[');

    const noColour = await progressShown({ NO_COLOR: '1' });
    expect(noColour.output).toContain(PROGRESS);
    expect(noColour.output).not.toContain('\x1b[31m');
  });

  it('in CI mode, a log even on a terminal: no progress line, no colour, errors too', async () => {
    // Held while Nix runs until a run outside CI mode has drawn its progress line.
    const held = [pauses('nix-running'), pauses('nix-running')] as const;
    const runs = [
      inTerminal(staleRepo().dir, ['check', '--ci'], held[0].env),
      inTerminal(staleRepo().dir, ['check', '--no-cache'], { CI: 'true', ...held[1].env }),
    ] as const;
    await Promise.all(held.map((pause, index) => pause.reached('nix-running', runs[index]!.done)));
    await progressShown();
    for (const pause of held) pause.go('nix-running');
    for (const log of await Promise.all(runs.map((run) => run.done))) {
      expect(log.code).toBe(1);
      expect(log.output).toContain('stale');
      expect(log.output).not.toContain(PROGRESS);
      expect(log.output).not.toContain('\x1b[');
    }
    const failed = await inTerminal(staleRepo().dir, ['check', '--ci', '--rev', 'no-such-rev']).done;
    expect(failed.code).toBe(2);
    expect(failed.output).toContain('REVISION_NOT_FOUND');
    expect(failed.output).not.toContain('\x1b[');
  });

  it('a hook whose output is captured gets no progress line', async () => {
    const repo = hookRepo({ 'default.nix': plainImage, 'k8s/deployment.yaml': deployment(`${REPO}:${STALE}`) });
    repo.write({ '.nixtagrc.yaml': CONFIG });
    expect(installHooks(repo, ['--git']).code).toBe(0);
    repo.git('add', '--all');
    const pause = pauses('nix-running');
    const child = spawn('git', ['commit', '-m', 'stale'], { cwd: repo.dir, env: hookEnv(pause.env) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const commit = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    await pause.reached('nix-running', commit);
    await progressShown();
    pause.go('nix-running');
    expect(await commit).toBe(1);
    expect(stderr).toContain('stale reference');
    expect(stderr).not.toContain(PROGRESS);
  });

  it('--quiet prints nothing when all is well; --verbose shows the exact git and Nix commands', () => {
    const repo = staleRepo();
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    const quiet = nixtagCli(repo.dir, ['check', '--quiet']);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const verbose = nixtagCli(repo.dir, ['check', '--verbose', '--no-cache']);
    expect(verbose.code).toBe(0);
    expect(verbose.stderr).toMatch(/^nixtag: \$ git rev-parse --show-toplevel/m);
    expect(verbose.stderr).toMatch(
      /^nixtag: \$ \S*\/nix-instantiate --eval --strict --json .*--option system x86_64-linux/m,
    );
  });
});
