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

/** An image whose `imageName` is a repository's full name, as dockerTools sets it. */
const named = (name: string, imageName: string) => `{ system ? builtins.currentSystem }:
derivation { name = "${name}"; imageName = "${imageName}"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo ${name} > $out" ]; }
`;

// In-process (test/helpers/inProcess.ts); test/e2e/init.test.ts runs nixtag init through the built CLI.
describe('nixtag init', () => {
  it('a monorepo of services and Helm values with maps: an image is tied to its repository by its imageName', async () => {
    const repo = gitRepo({
      'services/api/default.nix': named('docker-image-api.tar.gz', 'registry.example.com/team/api'),
      'services/web/default.nix': image('web'),
      'tools/shell.nix': '{ pkgs }: pkgs.hello\n',
      'chart/values.yaml':
        'api:\n  image:\n    repository: registry.example.com/team/api\n    tag: "1.2"\nweb:\n  image:\n    registry: registry.example.com\n    repository: team/web\n    tag: main\n',
    });
    const printed = await nixtag(repo.dir, ['init']);
    expect(printed.code).toBe(0);
    const config = parse(printed.stdout) as { images: Array<Record<string, string>> };
    expect(config.images.map((entry) => [entry.name, entry.nix])).toEqual([['api', 'services/api/default.nix']]);
    // web's directory only shares its name: a commented suggestion, not an entry.
    expect(printed.stdout).toMatch(/^ {2}# - name: web\n {2}# {3}nix: services\/web\/default\.nix/m);
    expect(printed.stdout).toContain(
      "tools/shell.nix: error: anonymous function at tools/shell.nix:1:1 called without required argument 'pkgs'",
    );
    expect(printed.stdout).not.toContain('.git/nixtag');
    expect((await nixtag(repo.dir, ['init', '--write'])).code).toBe(0);
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    const values = parse(repo.read('chart/values.yaml')) as Record<string, { image: { tag: string } }>;
    expect(values.api!.image.tag).toMatch(/^[0-9a-z]{32}$/);
    expect(values.web!.image.tag).toBe('main');
  });

  it('never activates an image tied by a shared word: a foreign image stays as it is', async () => {
    const repo = gitRepo({
      'nix/git-init/default.nix': image('git-init'),
      'nix/forgejo-runner/default.nix': image('forgejo-runner'),
      'k8s/job.yaml': deployment('alpine/git:2.40.1'),
      'k8s/forgejo.yaml': deployment('codeberg.org/forgejo/forgejo:9'),
    });
    const printed = await nixtag(repo.dir, ['init']);
    expect(printed.code).toBe(0);
    expect((parse(printed.stdout) as { images: unknown[] }).images).toEqual([]);
    expect(printed.stdout).toMatch(/^ {2}# - name: git\n/m);
    expect(printed.stdout).toMatch(/^ {2}# - name: forgejo\n/m);
    expect((await nixtag(repo.dir, ['init', '--write'])).code).toBe(0);
    expect(existsSync(path.join(repo.dir, '.nixtagrc.yaml'))).toBe(false);
  });

  it("tells which hash the committed tags follow: the output path, or the image's own imageTag", async () => {
    const tagged = `derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; }
      // { imageTag = "0123456789abcdfghijklmnpqrsvwxyz"; }
`;
    const repo = gitRepo({
      'default.nix': tagged,
      'k8s/app.yaml': deployment('registry.example.com/team/app:0123456789abcdfghijklmnpqrsvwxyz'),
      'k8s/other.yaml': deployment('registry.example.com/team/other:v1'),
    });
    const printed = await nixtag(repo.dir, ['init', '--write']);
    expect(printed.code).toBe(0);
    const config = parse(repo.read('.nixtagrc.yaml')) as { images: Array<Record<string, string>> };
    expect(config.images).toEqual([
      { name: 'app', nix: 'default.nix', repository: 'registry.example.com/team/app', tagFrom: 'imageTag' },
    ]);
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
  });

  it('an image tied by its imageName follows its own computed tag; a fixed tag says nothing', async () => {
    /** An image as dockerTools makes it: its imageName, and its imageTag (computed when no tag is given). */
    const own = (name: string, imageName: string, imageTag: string) => `derivation {
  name = "${name}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
} // { imageName = "${imageName}"; imageTag = "${imageTag}"; }
`;
    const repo = gitRepo({
      'web/default.nix': own('web.tar.gz', 'registry.example.com/team/web', '0123456789abcdfghijklmnpqrsvwxyz'),
      'api/default.nix': own('api.tar.gz', 'registry.example.com/team/api', '1.0.0'),
      'k8s/web.yaml': deployment('registry.example.com/team/web:latest'),
      'k8s/api.yaml': deployment('registry.example.com/team/api:latest'),
    });
    const printed = await nixtag(repo.dir, ['init']);
    expect(printed.code).toBe(0);
    expect((parse(printed.stdout) as { images: unknown[] }).images).toEqual([
      { name: 'api', nix: 'api/default.nix', repository: 'registry.example.com/team/api' },
      { name: 'web', nix: 'web/default.nix', repository: 'registry.example.com/team/web', tagFrom: 'imageTag' },
    ]);
    expect(printed.stderr).toMatch(
      /k8s\/web\.yaml:10:\d+: registry\.example\.com\/team\/web:latest -> tag 0123456789abcdfghijklmnpqrsvwxyz/,
    );
  });

  it("does not offer an image's components as images: helpers that carry its name", async () => {
    const repo = gitRepo({
      'containers/auth/default.nix': named('auth.tar.gz', 'team/auth'),
      'containers/auth/webui.nix': image('auth-webui-2026.2.0'),
      'containers/auth/server.nix': image('auth-server-2026.2.0'),
      'shell.nix': image('nix-shell'),
      'nixos/disk-config.nix': '{ disko.devices.disk.main.device = "/dev/sda"; }\n',
      'k8s/auth.yaml': deployment('registry.example.com/team/auth:v2026.2.0-2d4098e'),
    });
    const printed = await nixtag(repo.dir, ['init']);
    expect(printed.code).toBe(0);
    // team/auth is Docker Hub's, not registry.example.com's: a suggestion, by its directory.
    expect((parse(printed.stdout) as { images: unknown[] }).images).toEqual([]);
    expect(printed.stdout).toMatch(/^ {2}# {3}nix: containers\/auth\/default\.nix/m);
    expect(printed.stdout).not.toMatch(/^ {2}# {3}nix: containers\/auth\/(webui|server)\.nix/m);
    expect(printed.stdout).toContain(
      '#   containers/auth/server.nix: auth-server-2026.2.0\n#   containers/auth/webui.nix: auth-webui-2026.2.0\n',
    );
    // A set that holds no derivation (a NixOS module): what nix-instantiate and n2k8s make of it.
    expect(printed.stdout).toContain(
      "nixos/disk-config.nix: Image 'nixos/disk-config.nix' (nixos/disk-config.nix) evaluates to a set holding no derivation",
    );
    // A file at the root is named after itself.
    expect(printed.stdout).toMatch(/^ {2}# - name: shell\n {2}# {3}nix: shell\.nix/m);
  });

  it('the one expression is the root default.nix: a lone image deeper down is not tied to the one repository', async () => {
    // A course repository (test/fixtures/realworld-init/devops-core-course) whose app default.nix
    // needs its pkgs: the Nix exercise's docker.nix is the one derivation, and the manifests name
    // the image GitHub Actions builds from a Dockerfile.
    const repo = gitRepo({
      'labs/lab18/app_python/default.nix': '{ pkgs }: pkgs.hello\n',
      'labs/lab18/app_python/docker.nix': named('devops-info-service-nix.tar.gz', 'devops-info-service-nix'),
      'k8s/deployment.yml': deployment('morisummerz/devops-info-service:latest'),
    });
    const printed = await nixtag(repo.dir, ['init']);
    expect(printed.code).toBe(0);
    expect((parse(printed.stdout) as { images: unknown[] }).images).toEqual([]);
    expect(printed.stdout).toMatch(/^ {2}# {3}nix: labs\/lab18\/app_python\/docker\.nix/m);
    expect((await nixtag(repo.dir, ['init', '--write'])).code).toBe(0);
    expect(existsSync(path.join(repo.dir, '.nixtagrc.yaml'))).toBe(false);
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
      'pre-commit install --hook-type pre-commit --hook-type pre-merge-commit && nixtag install --git --pre-push-only',
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
