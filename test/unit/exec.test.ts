import { describe, expect, it } from 'vitest';
import { exec } from '../../src/exec.js';

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
});
