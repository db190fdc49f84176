import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { gitRepo } from '../helpers/repo.js';

// Through the built CLI; the other layouts and managers run in-process in test/integration/init.test.ts.
describe('nixtag init', () => {
  it('a single default.nix with :latest tags: prints a commented configuration and the first fix', () => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'k8s/app.yaml': deployment('registry.example.com/team/app:latest'),
      'k8s/db.yaml': deployment('postgres:15'),
    });
    const printed = nixtagCli(repo.dir, ['init']);
    expect(printed.code).toBe(0);
    const config = parse(printed.stdout) as { images: Array<Record<string, string>> };
    expect(config.images).toEqual([{ name: 'app', nix: 'default.nix', repository: 'registry.example.com/team/app' }]);
    expect(printed.stdout).toMatch(/^# /m);
    expect(printed.stdout).toContain('#   postgres (k8s/db.yaml:10)');
    expect(printed.stderr).toMatch(/The first `(npx )?nixtag fix` will change 1 reference:/);
    expect(printed.stderr).toContain('k8s/app.yaml:10:18: registry.example.com/team/app:latest -> tag ');
    expect(existsSync(path.join(repo.dir, '.nixtagrc.yaml'))).toBe(false);

    const written = nixtagCli(repo.dir, ['init', '--write']);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain('wrote');
    // Staged: nixtag reads the configuration git tracks, as CI does.
    expect(repo.git('ls-files', '.nixtagrc.yaml').trim()).toBe('.nixtagrc.yaml');
    expect(readFileSync(path.join(repo.dir, '.nixtagrc.yaml'), 'utf8')).toBe(printed.stdout.replace(/\n$/, ''));
    expect(nixtagCli(repo.dir, ['check']).code).toBe(1);
    expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
    expect(nixtagCli(repo.dir, ['check']).code).toBe(0);

    const again = nixtagCli(repo.dir, ['init', '--write']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('CONFIG_EXISTS');
    expect(again.stderr).toContain('hint:');
  });

  it.each([['git', {}, '.git/hooks/pre-commit']])(
    '--install wires the hooks of the manager in use: %s',
    (_manager, files, hookFile) => {
      const repo = gitRepo({
        'default.nix': plainImage,
        'k8s/app.yaml': deployment('registry.example.com/team/app:v1'),
        ...files,
      });
      const result = nixtagCli(repo.dir, ['init', '--write', '--install']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/pre-commit: (installed|chained) \(/);
      expect(result.stdout).toContain(`(${path.join(repo.dir, hookFile)})`);
      expect(readFileSync(path.join(repo.dir, hookFile), 'utf8')).toContain('nixtag');
    },
  );
});
