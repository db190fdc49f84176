import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor, type FindingCode } from '../../src/index.js';
import { nixtagCli } from '../helpers/cli.js';
import { codes, config, diagnose, image, localNixVersion, place } from '../helpers/doctor.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { gitRepo, n2k8sTag, testEnv, type Files, type TestRepo } from '../helpers/repo.js';
import { fileTarball } from '../helpers/tarball.js';
import { freshClone } from '../helpers/trees.js';

const ALL: FindingCode[] = [
  'nondeterministic',
  'checkoutName',
  'gitMetadata',
  'gitFile',
  'untrackedFiles',
  'environment',
  'nixPath',
  'commitId',
  'system',
  'manifestInSource',
  'importFromDerivation',
  'submoduleMissing',
  'submoduleUnclonable',
  'confinedAnswer',
  'nixVersion',
  'nixVersionRead',
  'unpinnedFetch',
  'fetchByBranch',
];

const FILTER_GIT = 'filter = path: type: baseNameOf path != ".git";';

/**
 * Each finding, caused by a fixture built for it: the code, the place it must point at (file and
 * the construct on the line to change), and whether it makes the local verdict differ from CI's.
 */
const CASES: Array<{
  code: FindingCode;
  why: string;
  files: Files;
  at: [file: string, construct: string] | [file: string];
  differsFromCi: boolean;
  /** Findings the fixture must not be mistaken for. */
  without?: FindingCode[];
}> = [
  {
    code: 'unpinnedFetch',
    why: 'builtins.fetchTarball of a URL without a sha256',
    files: {
      'default.nix': image([], 'let lib = builtins.fetchTarball "https://example.org/lib.tar.gz"; in\n'),
    },
    at: ['default.nix', 'fetchTarball'],
    differsFromCi: true,
  },
  {
    code: 'fetchByBranch',
    why: 'builtins.fetchGit of the repository by ref, with no rev',
    files: {
      'default.nix': image(['src = builtins.fetchGit { url = ./.; ref = "main"; };']),
    },
    at: ['default.nix', 'fetchGit'],
    differsFromCi: true,
    without: ['unpinnedFetch'],
  },
  {
    code: 'nixVersionRead',
    why: 'the expression reads builtins.nixVersion, and CI’s Nix is not configured',
    files: { 'default.nix': image(['v = builtins.nixVersion;']) },
    at: ['default.nix', 'nixVersion'],
    differsFromCi: true,
  },
  {
    code: 'gitFile',
    why: 'the expression reads a file of .git by name, whose bytes are the clone’s',
    files: { 'default.nix': image(['origin = builtins.readFile ./.git/config;']) },
    at: ['default.nix', './.git/config'],
    differsFromCi: true,
  },
  {
    code: 'nondeterministic',
    why: 'builtins.currentTime, and no other finding made up from a tag that moves by itself',
    files: { 'default.nix': image(['src = ./.;', 'stamp = toString builtins.currentTime;']) },
    at: ['default.nix', 'currentTime'],
    differsFromCi: true,
    without: ['checkoutName', 'untrackedFiles', 'commitId', 'environment', 'system'],
  },
  {
    code: 'checkoutName',
    why: 'a ./. source stored under the directory name',
    files: { 'default.nix': image([`src = builtins.path { path = ./.; ${FILTER_GIT} };`]) },
    at: ['default.nix', './.'],
    differsFromCi: false,
    without: ['gitMetadata', 'manifestInSource'],
  },
  {
    code: 'gitMetadata',
    why: 'a root ./. source takes in .git',
    files: { 'default.nix': image(['src = ./.;']) },
    at: ['default.nix', './.'],
    differsFromCi: true,
  },
  {
    code: 'untrackedFiles',
    why: 'a named source that leaves .git out but takes untracked files',
    files: { 'default.nix': image([`src = builtins.path { path = ./.; name = "source"; ${FILTER_GIT} };`]) },
    at: ['default.nix', './.'],
    differsFromCi: false,
    without: ['checkoutName', 'gitMetadata'],
  },
  {
    code: 'environment',
    why: 'builtins.getEnv "HOME" (the probe moves the tag)',
    files: { 'default.nix': image(['home = builtins.getEnv "HOME";']) },
    at: ['default.nix', 'getEnv'],
    differsFromCi: true,
  },
  {
    code: 'environment',
    why: 'builtins.getEnv of a variable set nowhere here (found in the text)',
    files: { 'default.nix': image(['token = builtins.getEnv "NIXTAG_TEST_UNSET_VARIABLE";']) },
    at: ['default.nix', 'getEnv'],
    differsFromCi: true,
  },
  {
    code: 'nixPath',
    why: '<nixpkgs> with no pin',
    files: { 'default.nix': image(['version = pkgs.version;'], 'let pkgs = import <nixpkgs> {}; in\n') },
    at: ['default.nix', '<nixpkgs>'],
    differsFromCi: true,
  },
  {
    code: 'commitId',
    why: 'the shortRev of builtins.fetchGit ./.',
    files: { 'default.nix': image(['src = git;', 'label = git.shortRev;'], 'let git = builtins.fetchGit ./.; in\n') },
    at: ['default.nix', '.shortRev'],
    differsFromCi: true,
    without: ['gitMetadata', 'untrackedFiles', 'checkoutName'],
  },
  {
    code: 'system',
    why: 'currentSystem read while the configured system is not this machine',
    files: { 'default.nix': image([]), '.nixtagrc.yaml': 'system: aarch64-darwin\n' },
    at: ['default.nix', 'currentSystem'],
    differsFromCi: false,
  },
  {
    code: 'manifestInSource',
    why: 'the manifest lies in the hashed source',
    files: {
      'default.nix': image([`src = builtins.path { path = ./.; name = "source"; ${FILTER_GIT} };`]),
      'k8s/deployment.yaml': deployment(`registry.example/app:${STALE}`),
      '.nixtagrc.yaml': config(),
    },
    at: ['default.nix', './.'],
    differsFromCi: true,
    without: ['gitMetadata', 'checkoutName'],
  },
  {
    code: 'importFromDerivation',
    why: 'an import of a build result',
    files: {
      'default.nix': image(
        ['version = toString generated.x;'],
        `let
  made = derivation { name = "gen"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo '{ x = 1; }' > $out" ]; };
  generated = import made;
in
`,
      ),
    },
    at: ['default.nix', 'import made'],
    differsFromCi: true,
  },
  {
    code: 'nixVersion',
    why: 'CI runs an older Nix than this machine',
    files: { 'default.nix': image([]), '.nixtagrc.yaml': 'nixVersion: "1.0"\n' },
    at: ['.nixtagrc.yaml', 'nixVersion'],
    // Another Nix may print a float in toJSON otherwise, or lack a builtin (adv15 F3, F14).
    differsFromCi: true,
  },
];

describe('nixtag doctor finds', () => {
  for (const { code, why, files, at, differsFromCi, without = [] } of CASES) {
    it(`${code}: ${why}`, async () => {
      const result = await diagnose(files);
      const finding = result.findings.find((found) => found.code === code);
      expect(finding, JSON.stringify(result.findings)).toBeDefined();
      const [file, construct] = at;
      expect({ file: finding!.file, line: finding!.line, column: finding!.column }).toEqual(
        construct === undefined ? { file, line: null, column: null } : place(files, file, construct),
      );
      expect(finding!.differsFromCi).toBe(differsFromCi);
      expect(finding!.fix.length).toBeGreaterThan(0);
      for (const other of without) expect(codes(result)).not.toContain(other);
      // Exit 1 exactly when some finding makes the verdict differ from CI's.
      expect(result.ok).toBe(result.findings.every((found) => !found.differsFromCi));
      if (differsFromCi) expect(result.ok).toBe(false);
    });
  }

  it('fetchByBranch: the repository fetched by a tag it has (its probes failed before)', async () => {
    const files = { 'default.nix': image(['src = builtins.fetchGit { url = ./.; ref = "refs/tags/v1"; };']) };
    const repo = gitRepo(files);
    repo.git('tag', 'v1');
    const result = await doctor({ cwd: repo.dir });
    const finding = result.findings.find((found) => found.code === 'fetchByBranch');
    expect(finding, JSON.stringify(result.findings)).toMatchObject({
      ...place(files, 'default.nix', 'fetchGit'),
      differsFromCi: true,
    });
    expect(result.ok).toBe(false);
  });

  it('a tag the repository does not have either: the expression’s error, as check gives it (exit 2), not a tool’s', async () => {
    const repo = gitRepo({
      'default.nix': image(['src = builtins.fetchGit { url = ./.; ref = "refs/tags/v9"; };']),
    });
    const result = nixtagCli(repo.dir, ['doctor']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error [GIT_REF_MISSING]: Nix could not evaluate image 'default'");
    expect(result.stderr).toContain("it fetches the repository at ref 'refs/tags/v9'");
  });

  it('nothing on a clean repository that has every construct done right', async () => {
    const { url, sha256 } = fileTarball('nixpkgs', { 'default.nix': '{ ... }: { version = "pinned"; }\n' });
    const files: Files = {
      'default.nix': image(
        ['src = builtins.path { path = ./app; name = "source"; };', 'version = pkgs.version;'],
        'let pkgs = import <nixpkgs> {}; in\n',
      ),
      'app/main.go': 'package main\n',
      'k8s/deployment.yaml': deployment(`registry.example/app:${STALE}`),
      '.nixpkgs-pin.json': JSON.stringify({ url, sha256 }),
      '.nixtagrc.yaml': config(`nixVersion: "${localNixVersion()}"\n`),
    };
    const result = await diagnose(files);
    expect(result.findings).toEqual([]);
    for (const code of ALL) expect(codes(result)).not.toContain(code);
    expect(result).toMatchObject({ ok: true, images: ['app'], nix: { ci: localNixVersion() } });
  });
  it('no claim that the tag is the same on tested versions when an image reads the version', async () => {
    const other = localNixVersion().startsWith('2.8') ? '2.26.3' : '2.8.0';
    const files = {
      'default.nix': image(['v = builtins.nixVersion;']),
      '.nixtagrc.yaml': config(`nixVersion: "${other}"\n`),
    };
    const result = await diagnose(files);
    expect(codes(result)).toEqual(expect.arrayContaining(['nixVersionRead', 'nixVersion']));
    const messages = result.findings.map((finding) => finding.message).join('\n');
    expect(messages).not.toContain('the tag is the same on tested versions');
    expect(result.ok).toBe(false);
    // On CI's own Nix the version reads the same: no finding.
    const same = await diagnose({ ...files, '.nixtagrc.yaml': config(`nixVersion: "${localNixVersion()}"\n`) });
    expect(codes(same)).not.toContain('nixVersionRead');
  });

  it('nothing for constructs that only strings and comments name', async () => {
    const files: Files = {
      'default.nix': image([
        'src = builtins.path { path = ./app; name = "source"; };',
        'description = "reads no builtins.getEnv, no <nixpkgs>, no currentTime and no src.rev of ./.";',
        "notes = ''",
        '    no builtins.getEnv "HOME" nor <nixpkgs> here, \'\'${builtins.getEnv "X"}',
        "  ''; /* nor builtins.getEnv here */",
        'label = "app-${"getEnv <nixpkgs>"}";',
      ]),
      'app/main.go': 'package main\n',
    };
    const result = await diagnose(files);
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

/**
 * A repository whose image imports the submodule `vendor/lib`. Unless `fetched`, it records a later
 * commit of lib that the local clone of lib (`.git/modules/vendor/lib`, kept) lacks, as after a
 * pull that moved the gitlink, with the submodule not checked out.
 */
function withSubmodule(fetched: boolean): { repo: TestRepo; commit: string } {
  const lib = gitRepo({ 'lib.nix': '{ version = "1"; }\n' }, 'lib');
  const repo = gitRepo({
    'default.nix': image(['version = (import ./vendor/lib/lib.nix).version;', 'home = builtins.getEnv "HOME";']),
  });
  repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'vendor/lib');
  repo.commit('submodule');
  if (!fetched) {
    lib.write({ 'lib.nix': '{ version = "2"; }\n' });
    lib.commit('newer');
    repo.git('submodule', 'deinit', '--quiet', '--force', 'vendor/lib');
    repo.git('update-index', '--cacheinfo', `160000,${lib.git('rev-parse', 'HEAD').trim()},vendor/lib`);
    repo.commit('newer lib');
  }
  return { repo, commit: repo.git('rev-parse', 'HEAD:vendor/lib').trim() };
}

describe('nixtag doctor and submodules', () => {
  it('submoduleMissing: a recorded commit the local clone of the submodule lacks, with the other findings', () => {
    const { repo, commit } = withSubmodule(false);
    const run = nixtagCli(repo.dir, ['doctor', '--json']);
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as { ok: boolean; findings: Array<Record<string, unknown>> };
    const finding = result.findings.find((found) => found.code === 'submoduleMissing');
    expect(finding, run.stdout).toMatchObject({
      ...place({ '.gitmodules': repo.read('.gitmodules') }, '.gitmodules', 'path = vendor/lib'),
      images: ['default'],
      differsFromCi: true,
      submodule: { path: 'vendor/lib', commit, within: '' },
      message: expect.stringContaining(commit),
      fix: expect.stringContaining('`git submodule update --init --recursive -- vendor/lib`'),
    });
    expect(finding!.message).toContain("'vendor/lib'");
    // The image fails without the submodule's files: that is the finding, not an error, and what
    // the text shows is still found.
    expect(result.findings.map((found) => found.code)).toContain('environment');
    expect(result.ok).toBe(false);
  });

  it('a linked worktree whose submodule moved there: its commit is found where that submodule points', async () => {
    const { repo } = withSubmodule(true);
    repo.write({ 'default.nix': image(['version = (import ./vendor/lib/lib.nix).version;']) });
    repo.commit('pure');
    const worktree = path.join(path.dirname(repo.dir), 'feature');
    repo.git('worktree', 'add', '--quiet', '-b', 'feature', worktree);
    const inWorktree = (...args: string[]) =>
      execFileSync('git', ['-c', 'protocol.file.allow=always', ...args], { cwd: worktree, env: testEnv() });
    inWorktree('submodule', 'update', '--quiet', '--init');
    // Upstream moves on; only the worktree's own clone of lib (.git/worktrees/feature/modules) fetches it.
    const upstream = repo.read('.gitmodules').match(/url = (.*)/)![1]!;
    execFileSync('sh', ['-c', 'echo \'{ version = "2"; }\' > lib.nix && git commit --quiet -am v2'], {
      cwd: upstream,
      env: testEnv(),
    });
    inWorktree('-C', 'vendor/lib', 'pull', '--quiet', upstream, 'main');
    inWorktree('commit', '--quiet', '-am', 'newer lib');
    const commit = inWorktree('rev-parse', 'HEAD:vendor/lib').toString().trim();
    expect(existsSync(path.join(repo.dir, '.git', 'worktrees', 'feature', 'modules', 'vendor', 'lib'))).toBe(true);
    expect(() => repo.git('-C', '.git/modules/vendor/lib', 'cat-file', '-e', commit)).toThrow();

    const run = nixtagCli(worktree, ['hash', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [evaluated] = (JSON.parse(run.stdout) as { images: Array<{ hash: string }> }).images;
    expect(evaluated!.hash).toBe(n2k8sTag(freshClone(worktree)));
    const result = await doctor({ cwd: worktree });
    expect(codes(result)).not.toContain('submoduleMissing');
    expect(result.ok).toBe(true);
  });

  it('nothing about submodules when the recorded commit is here', async () => {
    const { repo } = withSubmodule(true);
    repo.write({ 'default.nix': image(['version = (import ./vendor/lib/lib.nix).version;']) });
    repo.commit('pure');
    const result = await doctor({ cwd: repo.dir });
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
  });
});

describe('nixtag doctor and the refusals check makes', () => {
  it('submoduleUnclonable: a gitlink no .gitmodules section names, where CI clone steps stop (check refuses it)', async () => {
    const files = {
      'default.nix': image(['src = ./default.nix;']),
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    };
    const repo = gitRepo(files);
    repo.git('config', 'advice.addEmbeddedRepo', 'false');
    repo.git('init', '--quiet', 'lib');
    repo.write({ 'lib/f.txt': 'x\n' });
    repo.git('-C', 'lib', 'add', '--all');
    repo.git('-C', 'lib', 'commit', '--quiet', '-m', 'embedded');
    repo.commit('embedded repository');
    const check = nixtagCli(repo.dir, ['check']);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('[SUBMODULE_UNCLONABLE]');
    const run = nixtagCli(repo.dir, ['doctor', '--json']);
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as { ok: boolean; findings: Array<Record<string, unknown>> };
    expect(
      result.findings.find((found) => found.code === 'submoduleUnclonable'),
      run.stdout,
    ).toMatchObject({
      file: 'lib',
      line: null,
      differsFromCi: true,
      message: expect.stringContaining('Gitlink lib has no entry in .gitmodules'),
      fix: expect.stringContaining('git rm --cached lib'),
    });
    expect(result.ok).toBe(false);
  });

  it('confinedAnswer: a pathExists of a place outside the repository, which confinement answers false (check refuses it)', async () => {
    const files = {
      'default.nix': image(['marker = if builtins.pathExists /bin/sh then "yes" else "no";']),
      '.nixtagrc.yaml': config(),
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    };
    const repo = gitRepo(files);
    const check = nixtagCli(repo.dir, ['check']);
    expect(check.code).toBe(3); // a refused evaluation
    expect(check.stderr).toContain('[NIX_CONFINED_ANSWER]');
    const run = nixtagCli(repo.dir, ['doctor', '--json']);
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as { ok: boolean; findings: Array<Record<string, unknown>> };
    expect(
      result.findings.find((found) => found.code === 'confinedAnswer'),
      run.stdout,
    ).toMatchObject({
      ...place(files, 'default.nix', 'pathExists'),
      images: ['app'],
      differsFromCi: true,
      message: expect.stringContaining('pathExists'),
    });
    expect(result.ok).toBe(false);
  });
});
