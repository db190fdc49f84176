import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, nixtagCli } from '../helpers/cli.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { hookRepo, installHooks } from '../helpers/hooks.js';
import { gitRepo, testEnv } from '../helpers/repo.js';

const REPO = 'registry.example/app';

/** An image whose evaluation takes a couple of seconds: long enough for the progress line. */
const slowImage = `{ system ? builtins.currentSystem }:
derivation {
  name = "app-\${toString (builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 6000000))}";
  inherit system;
  builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
}
`;

/** The built CLI in a pseudo-terminal (util-linux's `script`), as a person at a terminal runs it. */
function inTerminal(cwd: string, args: string[], env: Record<string, string> = {}) {
  const command = [process.execPath, BIN, ...args].map((word) => `'${word}'`).join(' ');
  const rest = testEnv({ SHELL: '/bin/sh' });
  delete rest.NO_COLOR;
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    cwd,
    env: { ...rest, ...env },
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, output: result.stdout };
}

const PROGRESS = 'nixtag: Nix is evaluating';

describe('the terminal', () => {
  it('shows a progress line while Nix evaluates on a terminal, and nowhere else', () => {
    const repo = gitRepo({ 'default.nix': slowImage, 'k8s/app.yaml': deployment(`${REPO}:${STALE}`) });
    const config = `images:\n  - name: app\n    repository: ${REPO}\n`;
    repo.write({ '.nixtagrc.yaml': config });
    repo.commit('config');

    const tty = inTerminal(repo.dir, ['check', '--no-cache']);
    expect(tty.code).toBe(1);
    expect(tty.output).toMatch(/nixtag: Nix is evaluating app… [1-9]\d*s/);
    expect(tty.output).toContain('\x1b[K'); // erased once Nix answers
    expect(tty.output).toContain('\x1b[31m'); // colour on a terminal

    const json = inTerminal(repo.dir, ['check', '--no-cache', '--json']);
    expect(json.output).not.toContain(PROGRESS);
    expect(json.output).not.toContain('\x1b[');
    const quiet = inTerminal(repo.dir, ['check', '--no-cache', '--quiet']);
    expect(quiet.output).not.toContain(PROGRESS);
    const noColour = inTerminal(repo.dir, ['check', '--no-cache'], { NO_COLOR: '1' });
    expect(noColour.output).toContain(PROGRESS);
    expect(noColour.output).not.toContain('\x1b[31m');

    const piped = nixtagCli(repo.dir, ['check', '--no-cache']);
    expect(piped.code).toBe(1);
    expect(piped.stderr + piped.stdout).not.toContain(PROGRESS);
    expect(piped.stdout).not.toContain('\x1b[');
  });

  it('a hook whose output is captured gets no progress line', () => {
    const repo = hookRepo({ 'default.nix': slowImage, 'k8s/deployment.yaml': deployment(`${REPO}:${STALE}`) });
    repo.write({ '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REPO}\n` });
    expect(installHooks(repo, ['--git']).code).toBe(0);
    repo.git('add', '--all');
    const commit = repo.run(['commit', '-m', 'stale']);
    expect(commit.code).toBe(1);
    expect(commit.stderr).toContain('stale reference');
    expect(commit.stderr).not.toContain(PROGRESS);
  });

  it('--quiet prints nothing when all is well; --verbose shows the exact git and Nix commands', () => {
    const repo = gitRepo({
      'default.nix': slowImage.replace('6000000', '10'),
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    repo.write({ '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REPO}\n` });
    repo.commit('config');
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    const quiet = nixtagCli(repo.dir, ['check', '--quiet']);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const verbose = nixtagCli(repo.dir, ['check', '--verbose', '--no-cache']);
    expect(verbose.code).toBe(0);
    expect(verbose.stderr).toMatch(/^nixtag: \$ git rev-parse --show-toplevel/m);
    expect(verbose.stderr).toMatch(
      /^nixtag: \$ nix-instantiate --eval --strict --json .*--option system x86_64-linux/m,
    );
  });
});
