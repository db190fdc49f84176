import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec, terminateChildren } from '../../src/exec.js';
import { until } from '../helpers/pause.js';
import { tempDir } from '../helpers/repo.js';

const env = { PATH: process.env.PATH };

describe('exec', () => {
  it('collects output and the exit status', async () => {
    const result = await exec('sh', ['-c', 'echo out; echo err >&2; exit 3'], { cwd: '/', env });
    expect(result).toMatchObject({ stdout: 'out', stderr: 'err\n', failed: true, exitCode: 3, missing: false });
    expect(await exec('no-such-program-nixtag', [], { cwd: '/', env })).toMatchObject({ failed: true, missing: true });
  });

  it('returns once stderr holds the answer and leaves the program running on its own', async () => {
    const script = 'echo "pid $$" >&2; echo "answer: 42" >&2; exec sleep 30';
    const result = await exec('sh', ['-c', script], { cwd: '/', env, answeredBy: (text) => text.includes('answer') });
    const pid = Number(/pid (\d+)/.exec(result.stderr)?.[1]);
    try {
      expect(result).toMatchObject({ failed: false, answeredEarly: true, exitCode: undefined });
      expect(result.stderr).toContain('answer: 42\n');
      expect(() => process.kill(pid, 0)).not.toThrow(); // still running: nobody waited for it
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('waits for the exit when the answer never comes', async () => {
    const result = await exec('sh', ['-c', 'echo partial >&2; exit 1'], {
      cwd: '/',
      env,
      answeredBy: (text) => text.includes('answer'),
    });
    expect(result).toMatchObject({ failed: true, exitCode: 1, stderr: 'partial\n' });
    expect(result.answeredEarly).toBeUndefined();
  });

  /** Running: it exists and is not a zombie waiting to be reaped. */
  const alive = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    } catch {
      return false;
    }
  };
  const pidOf = (stderr: string) => Number(/pid (\d+)/.exec(stderr)?.[1]);
  /** Whether it is still running after up to five seconds: a signalled process dies soon, not at once. */
  const survives = async (pid: number) => {
    await until(() => !alive(pid), `process ${pid} ends`, { timeoutMs: 5_000 }).catch(() => undefined);
    return alive(pid);
  };
  // A program that ignores SIGTERM and starts a helper in its group, as Nix may.
  const stubborn = 'trap "" TERM; sleep 30 & echo "pid $$ helper $!" >&2';

  it('owned: ends the program and its helpers once it has answered', async () => {
    const result = await exec('sh', ['-c', `${stubborn}; echo "answer: 42" >&2; wait`], {
      cwd: '/',
      env,
      owned: true,
      answeredBy: (text) => text.includes('answer'),
    });
    const helper = Number(/helper (\d+)/.exec(result.stderr)?.[1]);
    expect(await survives(pidOf(result.stderr))).toBe(false);
    expect(await survives(helper)).toBe(false);
  });

  it('owned: a timeout ends a program that ignores SIGTERM (KILL after the grace)', async () => {
    const started = performance.now();
    const result = await exec('sh', ['-c', `${stubborn}; wait`], { cwd: '/', env, owned: true, timeoutMs: 300 });
    expect(result).toMatchObject({ failed: true, timedOut: true });
    expect(performance.now() - started).toBeLessThan(15_000); // the program alone would run 30 s
    const helper = Number(/helper (\d+)/.exec(result.stderr)?.[1]);
    expect(await survives(helper)).toBe(false);
  });

  it('owned: an abort, and terminateChildren, end what still runs', async () => {
    const controller = new AbortController();
    // Each says when its trap and helper are set up, by a file.
    const ready = (name: string) => path.join(tempDir('ready-'), name);
    const [first, second] = [ready('aborted'), ready('running')];
    const started = (file: string) => `${stubborn}; touch '${file}'; wait`;
    const aborted = exec('sh', ['-c', started(first)], { cwd: '/', env, owned: true, signal: controller.signal });
    const running = exec('sh', ['-c', started(second)], { cwd: '/', env, owned: true });
    await until(() => existsSync(first) && existsSync(second), 'both programs are set up');
    controller.abort();
    expect((await aborted).failed).toBe(true);
    await terminateChildren();
    const result = await running;
    expect(result.failed).toBe(true);
    expect(alive(Number(/helper (\d+)/.exec(result.stderr)?.[1]))).toBe(false);
  });
});
