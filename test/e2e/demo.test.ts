import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hookEnv, SYSTEM_PATH } from '../helpers/hooks.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the demo', () => {
  it('prints plain text when its output is not a terminal, and ends up to date', () => {
    // As `npm run demo` runs it: the project's node_modules/.bin (its Node >= 22) first.
    const env = hookEnv({ PATH: `${path.join(ROOT, 'node_modules', '.bin')}:${SYSTEM_PATH}` });
    delete env.NO_COLOR;
    const result = spawnSync('bash', [path.join(ROOT, 'examples/demo.sh')], { env, encoding: 'utf8' });
    expect(result.stdout).toContain('$ nixtag fix');
    expect(result.stdout + result.stderr).not.toContain('\x1b');
    expect(result.status).toBe(0);
  });
});
