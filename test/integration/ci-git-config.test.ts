import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

/**
 * CI mode runs nothing the workspace sets: an earlier step of the pipeline may have run the
 * repository's code and written `.git/config`, whose programs git would run for nixtag.
 */
describe('CI mode and the workspace’s git configuration', () => {
  it('refuses a .git/config that names a program (exit 2), before git runs it', async () => {
    const programs = tempDir('programs-');
    for (const key of ['core.fsmonitor', 'filter.evil.clean', 'diff.evil.textconv', 'core.sshCommand']) {
      // A program of its own for each key: what the run outside CI mode starts stays apart.
      const marker = path.join(programs, `${key}.ran`);
      const value = path.join(programs, `${key}.sh`);
      writeFileSync(value, `#!/bin/sh\necho ran >> ${marker}\ncat\n`);
      chmodSync(value, 0o755);
      const repo = gitRepo({
        'default.nix': plainImage,
        '.gitattributes': '* filter=evil diff=evil\n',
        'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
      });
      repo.git('config', key, value);
      repo.write({ 'k8s/app.yaml': deployment(`registry.example.com/team/app:${'1'.repeat(32)}`) });
      const result = await nixtag(repo.dir, ['check', '--ci']);
      expect(result.code, key).toBe(2);
      expect(result.stderr).toContain('[CONFIG_IS_CODE]');
      expect(result.stderr).toContain(key.toLowerCase());
      expect(existsSync(marker), key).toBe(false);
      // Outside CI mode the developer's own configuration is theirs to run.
      expect((await nixtag(repo.dir, ['check'])).code).toBe(1);
    }
  });

  it('takes a .git/config that names no program, and git’s own fsmonitor switch', async () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'k8s/app.yaml': deployment(`registry.example.com/team/app:${STALE}`),
    });
    repo.git('config', 'core.fsmonitor', 'false');
    repo.git('config', 'remote.origin.url', 'https://example.com/team/app.git');
    repo.git('config', 'http.https://example.com/.extraheader', 'AUTHORIZATION: basic x');
    const result = await nixtag(repo.dir, ['check', '--ci']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('stale reference');
  });
});
