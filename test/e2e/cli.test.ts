import { symlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, plainImage, STALE } from '../helpers/expressions.js';
import { gitRepo, tempDir } from '../helpers/repo.js';

const REPO = 'docker.io/lewo/poc-tekton';

describe('the built CLI', () => {
  it('exits 1 on a stale tag, 0 after fix, and prints JSON as the contract says', () => {
    const repo = gitRepo({ 'default.nix': plainImage, 'deploy/app.yaml': deployment(`${REPO}:${STALE}`) });

    const stale = nixtagCli(repo.dir, ['check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('deploy/app.yaml:10:18: stale reference to poc-tekton');
    expect(stale.stdout).toContain('nixtag fix');

    const hashed = nixtagCli(repo.dir, ['hash', '--json']);
    expect(hashed.code).toBe(0);
    const images = (JSON.parse(hashed.stdout) as { images: Array<Record<string, unknown>> }).images;
    expect(Object.keys(images[0]!)).toEqual([
      'name',
      'nix',
      'attr',
      'flake',
      'installable',
      'tagFrom',
      'system',
      'outPath',
      'hash',
      'reference',
    ]);
    const tag = images[0]!.hash as string;

    const fixed = nixtagCli(repo.dir, ['fix', '--json']);
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toEqual({
      ok: true,
      references: [
        {
          file: 'deploy/app.yaml',
          line: 10,
          column: 18,
          image: 'poc-tekton',
          current: `${REPO}:${STALE}`,
          expected: `${REPO}:${tag}`,
          status: 'fixed',
        },
      ],
      warnings: [],
    });
    expect(nixtagCli(repo.dir, ['check']).code).toBe(0);
    expect(nixtagCli(repo.dir, ['hash']).stdout.trim()).toBe(tag);
  });

  it('says so when fix drops a stale digest', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const repo = gitRepo({ 'default.nix': plainImage, 'app.yaml': deployment(`${REPO}:${STALE}@${digest}`) });
    const stale = nixtagCli(repo.dir, ['check']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('digest');
    const fixed = nixtagCli(repo.dir, ['fix']);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/stale @sha256 digest .* dropped/);
    expect(repo.read('app.yaml')).not.toContain(digest);
  });

  it('never calls a current tag with a digest beside it up to date: fix drops the digest (F9)', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const repo = gitRepo({ 'default.nix': plainImage });
    const tag = nixtagCli(repo.dir, ['hash']).stdout.trim();
    repo.write({ 'app.yaml': deployment(`${REPO}:${tag}@${digest}`) });
    repo.commit('pinned');
    const stale = nixtagCli(repo.dir, ['check', '--json']);
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.stdout)).toMatchObject({
      ok: false,
      references: [{ status: 'stale', current: `${REPO}:${tag}@${digest}`, expected: `${REPO}:${tag}` }],
    });
    const text = nixtagCli(repo.dir, ['check']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/the tag is current, but runtimes pull the @sha256 digest beside it/);
    expect(text.stdout).not.toContain('up to date');
    const fixed = nixtagCli(repo.dir, ['fix']);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/the tag was current: the @sha256 digest beside it, .* is dropped/);
    expect(repo.read('app.yaml')).toContain(`image: ${REPO}:${tag}\n`);
    expect(nixtagCli(repo.dir, ['check']).code).toBe(0);
  });

  it('exits 2 on bad input, with the file and a hint', () => {
    const repo = gitRepo({ 'default.nix': plainImage, '.nixtagrc.json': '{"images": [{"name": "x"}]}' });
    const result = nixtagCli(repo.dir, ['check']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nixtag: error [CONFIG_INVALID]');
    expect(result.stderr).toContain('images[0].repository');
    expect(result.stderr).toContain('hint:');

    expect(nixtagCli(repo.dir, ['check', '--bogus']).code).toBe(2);
    expect(nixtagCli(repo.dir, ['frobnicate']).code).toBe(2);
    expect(nixtagCli(tempDir(), ['check']).stderr).toContain('NOT_A_REPOSITORY');
  });

  it('exits 3 with an install hint when Nix is missing', () => {
    const repo = gitRepo({ 'default.nix': plainImage, 'app.yaml': deployment(`${REPO}:${STALE}`) });
    const bin = path.join(tempDir(), 'bin');
    mkdirSync(bin);
    symlinkSync('/usr/bin/git', path.join(bin, 'git'));
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const result = nixtagCli(repo.dir, ['check'], { PATH: bin });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Nix is not installed here: nix-instantiate is neither on PATH');
    expect(result.stderr).toContain('apt-get install -y nix-bin');
  });

  it('exits 3 with the Nix error when evaluation fails, and says so in JSON too', () => {
    const repo = gitRepo({ 'default.nix': 'throw "no image today"\n', 'app.yaml': deployment(`${REPO}:${STALE}`) });
    const result = nixtagCli(repo.dir, ['check', '--json']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no image today');
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'NIX_EVAL_FAILED' } });
  });

  it('prints help and version', () => {
    const help = nixtagCli(tempDir(), ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/check \[\.\.\.paths\]/);
    expect(nixtagCli(tempDir(), ['--version']).stdout).toMatch(/\d+\.\d+\.\d+/);
    // `nixtag help` as git and npm spell it, for the whole CLI or one command.
    const asCommand = nixtagCli(tempDir(), ['help']);
    expect(asCommand.code).toBe(0);
    expect(asCommand.stdout).toBe(help.stdout);
    const pin = nixtagCli(tempDir(), ['help', 'pin']);
    expect(pin.code).toBe(0);
    expect(pin.stdout).toBe(nixtagCli(tempDir(), ['pin', '--help']).stdout);
    // pin's help lists what it does: its subcommands.
    expect(pin.stdout).toMatch(/Subcommands:\n {2}show .*\n {2}verify .*\n {2}update .*--rev REV/);
    expect(nixtagCli(tempDir(), ['check', '--help']).stdout).toContain('Verify that every managed image reference');
    const unknown = nixtagCli(tempDir(), ['help', 'chek']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Did you mean `(npx )?nixtag check`/);
  });
});
