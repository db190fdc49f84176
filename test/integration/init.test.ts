import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, plainImage } from '../helpers/expressions.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

const image = (name: string) => `{ system ? builtins.currentSystem }:
derivation { name = "${name}"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo ${name} > $out" ]; }
`;

// In-process (test/helpers/inProcess.ts); test/e2e/init.test.ts runs nixtag init through the built CLI.
describe('nixtag init', () => {
  it('a monorepo of services and Helm values with maps: one image per service, matched by name or tag', async () => {
    const repo = gitRepo({
      'services/api/default.nix': image('docker-image-api.tar.gz'),
      'services/web/default.nix': image('web'),
      'tools/shell.nix': '{ pkgs }: pkgs.hello\n',
      'chart/values.yaml':
        'api:\n  image:\n    repository: registry.example.com/team/api\n    tag: "1.2"\nweb:\n  image:\n    registry: registry.example.com\n    repository: team/web\n    tag: main\n',
    });
    const printed = await nixtag(repo.dir, ['init']);
    expect(printed.code).toBe(0);
    const config = parse(printed.stdout) as { images: Array<Record<string, string>> };
    expect(config.images.map((entry) => [entry.name, entry.nix])).toEqual([
      ['api', 'services/api/default.nix'],
      ['web', 'services/web/default.nix'],
    ]);
    expect(printed.stdout).toContain(
      "tools/shell.nix: error: anonymous function at tools/shell.nix:1:1 called without required argument 'pkgs'",
    );
    expect(printed.stdout).not.toContain('.git/nixtag');
    expect((await nixtag(repo.dir, ['init', '--write'])).code).toBe(0);
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    const values = parse(repo.read('chart/values.yaml')) as Record<string, { image: { tag: string } }>;
    expect(values.api!.image.tag).toMatch(/^[0-9a-z]{32}$/);
    expect(values.web!.image.tag).toMatch(/^[0-9a-z]{32}$/);
  });

  it('a repository with nothing to manage: says so and writes nothing', async () => {
    const repo = gitRepo({ 'README.md': 'hello\n', 'k8s/db.yaml': deployment('postgres:15') });
    const result = await nixtag(repo.dir, ['init', '--write']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('found nothing to manage');
    expect(result.stdout).toContain('# No tracked .nix file');
    expect(existsSync(path.join(repo.dir, '.nixtagrc.yaml'))).toBe(false);
  });

  it.each([
    ['husky', { '.husky/pre-commit': 'npm test\n' }, '.husky/pre-commit'],
    ['lefthook', { 'lefthook.yml': 'pre-commit:\n  commands: {}\n' }, 'lefthook.yml'],
    ['pre-commit', { '.pre-commit-config.yaml': 'repos: []\n' }, '.pre-commit-config.yaml'],
  ])('--install wires the hooks of the manager in use: %s', async (_manager, files, hookFile) => {
    const repo = gitRepo({
      'default.nix': plainImage,
      'k8s/app.yaml': deployment('registry.example.com/team/app:v1'),
      ...files,
    });
    const result = await nixtag(repo.dir, ['init', '--write', '--install']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/pre-commit: (installed|chained) \(/);
    expect(result.stdout).toContain(`(${path.join(repo.dir, hookFile)})`);
    expect(readFileSync(path.join(repo.dir, hookFile), 'utf8')).toContain('nixtag');
    // Without a package.json, npm install cannot do it in other clones: said so.
    expect(result.stderr).toContain('there is no package.json');
  });

  it.each([
    ['git', {}, 'nixtag install --git --pre-push'],
    ['husky', { '.husky/pre-commit': 'npm test\n' }, 'husky'],
    ['lefthook', { 'lefthook.yml': 'pre-commit:\n  commands: {}\n' }, 'lefthook install'],
    [
      'pre-commit',
      { '.pre-commit-config.yaml': 'repos: []\n' },
      'pre-commit install --hook-type pre-commit --hook-type pre-push',
    ],
  ])('--install makes npm install in every clone install the hooks: %s', async (_manager, files, command) => {
    const repo = gitRepo({
      'package.json': '{\n    "name": "app",\n    "scripts": { "prepare": "npm run build" }\n}\n',
      'default.nix': plainImage,
      'k8s/app.yaml': deployment('registry.example.com/team/app:v1'),
      ...files,
    });
    const result = await nixtag(repo.dir, ['init', '--write', '--install']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`npm install in every clone runs \`${command}\`: updated`);
    // The prepare that was there runs first; the file keeps its indentation.
    const written = repo.read('package.json');
    expect(JSON.parse(written)).toEqual({ name: 'app', scripts: { prepare: `npm run build && ${command}` } });
    expect(written).toMatch(/^ {4}"name"/m);
    // A starter file's empty `repos: []` or `commands: {}` becomes block style, as the rest of it reads.
    for (const file of Object.keys(files).filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))) {
      expect(repo.read(file)).not.toMatch(/[{[]/);
    }
    const again = await nixtag(repo.dir, ['init', '--install']);
    expect(again.stdout).toContain(`npm install in every clone runs \`${command}\`: unchanged`);
    expect(repo.read('package.json')).toBe(written);
  });

  it('nixtag install run by npm where there is no checkout (a Docker build) installs nothing and lets npm go on', async () => {
    const dir = tempDir();
    const outside = await nixtag(dir, ['install', '--git'], { npm_lifecycle_event: 'prepare' });
    expect(outside.stderr).toContain('not inside a git repository');
    expect(outside.code).toBe(0);
    const byHand = await nixtag(dir, ['install', '--git']);
    expect(byHand.stderr).toContain('NOT_A_REPOSITORY');
    expect(byHand.code).toBe(2);
  });
});
