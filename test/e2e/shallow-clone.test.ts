import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, nixtagCli } from '../helpers/cli.js';
import { STALE } from '../helpers/expressions.js';
import { hookEnv, manifest } from '../helpers/hooks.js';
import { nixVariants } from '../helpers/nix.js';
import { gitRepo, n2k8sTag, tempDir, testEnv } from '../helpers/repo.js';

/** A build number from the history: `builtins.fetchGit ./.`'s revCount, a known idiom. */
const REV_COUNT_IMAGE = `let src = builtins.fetchGit ./.; in
derivation {
  name = "img";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
  build = toString src.revCount;
}
`;

const CONFIG = 'images:\n  - name: app\n    nix: default.nix\n    repository: registry.example/app\n';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: testEnv(), encoding: 'utf8' });
}

describe.each(nixVariants())('a shallow clone whose expression reads the history ($name)', ({ env }) => {
  it('says the clone is shallow (GIT_SHALLOW, exit 3) in hash --rev and the pre-push hook, and after git fetch --unshallow gives CI’s tag', () => {
    const upstream = gitRepo({
      'default.nix': REV_COUNT_IMAGE,
      '.nixtagrc.yaml': CONFIG,
      '.gitignore': 'node_modules\n',
      'k8s/deployment.yaml': manifest(STALE),
      'app/main.txt': '1\n',
    });
    for (const change of ['2', '3', '4']) {
      upstream.write({ 'app/main.txt': `${change}\n` });
      upstream.commit(`change ${change}`);
    }
    const clone = path.join(tempDir('shallow-'), 'app');
    git(tempDir(), 'clone', '--quiet', '--depth', '1', `file://${upstream.dir}`, clone);
    expect(git(clone, 'rev-parse', '--is-shallow-repository').trim()).toBe('true');
    mkdirSync(path.join(clone, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(BIN, path.join(clone, 'node_modules', '.bin', 'nixtag'));
    expect(nixtagCli(clone, ['install', '--git', '--pre-push']).code).toBe(0);

    const hash = nixtagCli(clone, ['hash', '--rev', 'HEAD'], env);
    expect(hash.code, hash.stderr).toBe(3);
    expect(hash.stderr).toContain('[GIT_SHALLOW]');
    expect(hash.stderr).toContain('this clone is shallow');
    expect(hash.stderr).toContain('git fetch --unshallow');
    expect(hash.stderr).not.toContain('fix the expression');

    writeFileSync(path.join(clone, 'README.md'), 'x\n');
    git(clone, 'add', 'README.md');
    git(clone, 'commit', '--quiet', '--no-verify', '-m', 'readme');
    const remote = path.join(tempDir('remote-'), 'remote.git');
    git(tempDir(), 'init', '--quiet', '--bare', remote);
    const push = spawnSync('git', ['push', remote, 'HEAD:refs/heads/main'], {
      cwd: clone,
      env: hookEnv({ PATH: `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? process.env.PATH ?? ''}` }),
      encoding: 'utf8',
      input: '',
    });
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('[GIT_SHALLOW]');
    expect(push.stderr).toContain('git fetch --unshallow');

    // The hint's way out; then nixtag's tag is CI's: n2k8s in a fresh full clone named `source`.
    git(clone, 'fetch', '--quiet', '--unshallow');
    const full = nixtagCli(clone, ['hash', '--rev', 'HEAD', '--json'], env);
    expect(full.code, full.stderr).toBe(0);
    const tag = (JSON.parse(full.stdout) as { images: Array<{ hash: string }> }).images[0]!.hash;
    const ci = path.join(tempDir('ci-'), 'source');
    git(tempDir(), 'clone', '--quiet', clone, ci);
    expect(tag).toBe(n2k8sTag(ci, env));
  });
});
