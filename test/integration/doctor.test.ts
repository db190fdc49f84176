import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor } from '../../src/index.js';
import { nixtagCli } from '../helpers/cli.js';
import { codes, config, diagnose, image, place } from '../helpers/doctor.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { gitRepo, tempDir } from '../helpers/repo.js';
import { fileTarball } from '../helpers/tarball.js';

describe('nixtag doctor', () => {
  it('changes nothing outside its scratch copies, not even a file a manifest symlink names', async () => {
    const outside = path.join(tempDir(), 'outside.yaml');
    writeFileSync(outside, deployment(`registry.example/app:${STALE}`));
    const repo = gitRepo({ 'default.nix': image(['src = ./.;']), '.nixtagrc.yaml': config() });
    symlinkSync(outside, path.join(repo.dir, 'deployment.yaml'));
    repo.commit('link');
    const before = repo.git('status', '--porcelain');
    // A link out of the repository that names a managed image is refused, as check refuses it
    // (adv13 F19: CI's clone holds the link, not that file); a link inside is diagnosed.
    await expect(doctor({ cwd: repo.dir })).rejects.toMatchObject({ code: 'SYMLINK_OUTSIDE_REPOSITORY' });
    expect(readFileSync(outside, 'utf8')).toBe(deployment(`registry.example/app:${STALE}`));
    expect(repo.git('status', '--porcelain')).toBe(before);
    writeFileSync(path.join(repo.dir, 'k8s.yaml'), deployment(`registry.example/app:${STALE}`));
    rmSync(path.join(repo.dir, 'deployment.yaml'));
    symlinkSync('k8s.yaml', path.join(repo.dir, 'deployment.yaml'));
    repo.commit('link inside');
    const inside = repo.git('status', '--porcelain');
    const result = await doctor({ cwd: repo.dir });
    expect(codes(result)).toContain('manifestInSource');
    expect(readFileSync(path.join(repo.dir, 'k8s.yaml'), 'utf8')).toBe(deployment(`registry.example/app:${STALE}`));
    expect(repo.git('status', '--porcelain')).toBe(inside);
  });

  it('tells a configured system that equals the machine from one that does not', async () => {
    const result = await diagnose({ 'default.nix': image([]) });
    expect(codes(result)).not.toContain('system');
    expect(result.nix.system).toBe(result.nix.machineSystem);
  });

  it('exits 1 with file:line through the built CLI, 0 on a clean tree', () => {
    const files = { 'default.nix': image(['src = ./.;']) };
    const repo = gitRepo(files);
    const text = nixtagCli(repo.dir, ['doctor']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`default.nix:${place(files, 'default.nix', './.').line}:`);
    expect(text.stdout).toContain('[gitMetadata]');
    expect(text.stdout).toContain('fix: ');

    const json = nixtagCli(repo.dir, ['doctor', '--json']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; findings: Array<Record<string, unknown>> };
    expect(parsed.ok).toBe(false);
    expect(Object.keys(parsed.findings[0]!)).toEqual([
      'code',
      'file',
      'line',
      'column',
      'images',
      'message',
      'fix',
      'differsFromCi',
    ]);

    const clean = gitRepo({
      'default.nix': image(['src = builtins.path { path = ./app; name = "source"; };']),
      'app/a': 'a\n',
    });
    const cleanRun = nixtagCli(clean.dir, ['doctor']);
    expect(cleanRun.code).toBe(0);
    expect(cleanRun.stdout).toContain('no finding');
  });

  it('reports an evaluation error it cannot explain as Nix failing (exit 3)', () => {
    const repo = gitRepo({ 'default.nix': '{ system ? builtins.currentSystem }: derivation {\n' });
    const result = nixtagCli(repo.dir, ['doctor']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('NIX_EVAL_FAILED');
    expect(result.stderr).not.toContain('evaluating file');
  });

  it("names the user's files in Nix's error, never its temporary copies, as hash does", () => {
    const repo = gitRepo({
      'default.nix':
        'derivation { name = "img"; system = "x86_64-linux"; builder = "/bin/sh"; v = toString (builtins.findFile builtins.nixPath "nixpkgs"); }\n',
    });
    const hashed = nixtagCli(repo.dir, ['hash']);
    const result = nixtagCli(repo.dir, ['doctor']);
    expect(result.code).toBe(3);
    expect(hashed.stderr).toMatch(/\bat default\.nix:1:\d+/);
    expect(result.stderr).toContain(/\bat (default\.nix:1:\d+)/.exec(hashed.stderr)![1]);
    expect(result.stderr).not.toContain('nixtag-doctor-');
    expect(result.stderr).not.toContain(repo.dir);
  });

  it('lists what each image reads outside the repository: confined, the pin alone; unconfined, every read and fetch', async () => {
    const nixpkgs = fileTarball('nixpkgs', { 'default.nix': '{ ... }: { greeting = "hi"; }\n' });
    const elsewhere = tempDir();
    const [read, fetched] = ['read.txt', 'fetched.txt'].map((name) => path.join(elsewhere, name));
    for (const file of [read!, fetched!]) writeFileSync(file, 'x\n');
    const greeting = 'greeting = (import <nixpkgs> { }).greeting;';
    const files = {
      'default.nix': image([greeting]),
      '.nixpkgs-pin.json': JSON.stringify({ url: nixpkgs.url, sha256: nixpkgs.sha256 }),
      '.nixtagrc.yaml': config(),
    };
    const pinned = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-source \(<nixpkgs>: the pin\)$/;
    const confined = await diagnose(files);
    expect(confined.reads).toEqual([{ image: 'app', outside: [expect.stringMatching(pinned)] }]);

    // Opted out of confinement: what Nix reads without parsing it is listed too.
    const open = gitRepo({
      ...files,
      'default.nix': image([
        greeting,
        `read = builtins.readFile ${read};`,
        `fetched = builtins.fetchurl "file://${fetched}";`,
      ]),
      '.nixtagrc.yaml': config('evaluation:\n  restrictEval: false\n'),
    });
    const json = nixtagCli(open.dir, ['doctor', '--json']);
    const reads = (JSON.parse(json.stdout) as { reads: Array<{ image: string; outside: string[] }> }).reads;
    expect(reads).toEqual([{ image: 'app', outside: expect.any(Array) }]);
    expect(reads[0]!.outside).toEqual(
      // A file:// fetch is refused as the path it reads.
      expect.arrayContaining([read, fetched, expect.stringMatching(pinned)]),
    );
    expect(reads[0]!.outside).toHaveLength(3);
    const text = nixtagCli(open.dir, ['doctor']);
    expect(text.stdout).toMatch(new RegExp(`^image 'app' reads outside the repository: .*${read}`, 'm'));
  });
});
