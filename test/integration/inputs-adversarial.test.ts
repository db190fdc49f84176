/**
 * From an adversarial review of the input tracking, the evaluation cache, the judgements and PATH
 * narrowing: each test is a layout or sequence where a cached, idle or narrowed answer once
 * differed from what a full `--no-cache` run (and CI's command) gives: a wrong verdict. In-process
 * (test/helpers/inProcess.ts); test/e2e/inputs-adversarial.test.ts runs a few through the built
 * CLI, and the JavaScript configuration, which only a fresh process loads afresh.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { nixtag } from '../helpers/inProcess.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { ciCheckout, gitRepo, n2k8sTag, tempDir, testEnv, type Files, type TestRepo } from '../helpers/repo.js';

const REF = 'registry.example/app';

/** nixpkgs' real lib (MIT), copied beside its licence. */
const NIXPKGS_LIB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/nixpkgs-lib/lib');

/** A stand-in image whose hash depends on `data` (a Nix expression) and the target system. */
const image = (data: string) => `{ system ? builtins.currentSystem }:
derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
  builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
  data = ${data};
}
`;

/** Commits `files` plus a manifest, fixes the tag, commits again and judges once (cache + judgement). */
async function judgedRepo(files: Files, manifest = 'deploy.yaml'): Promise<TestRepo> {
  const repo = gitRepo({ ...files, [manifest]: deployment(`${REF}:${STALE}`) });
  const fixed = await nixtag(repo.dir, ['fix']);
  expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
  repo.commit('current tags');
  const check = await nixtag(repo.dir, ['check', '--staged']);
  expect(check.code, check.stdout + check.stderr).toBe(0);
  return repo;
}

/** What a full run that trusts nothing remembered says about the index. */
const fresh = (repo: TestRepo): Promise<CliResult> => nixtag(repo.dir, ['check', '--staged', '--no-cache']);

const show = (result: CliResult) => result.stdout + result.stderr;

/**
 * Runs `args` (a cached, idle or narrowed answer) and then a full `--no-cache` run, in that order
 * (a full run records its own judgement): both must refuse the index.
 */
async function expectRefusedLikeAFreshRun(repo: TestRepo, args: string[]): Promise<void> {
  const answer = await nixtag(repo.dir, args);
  const full = await fresh(repo);
  expect(full.code, show(full)).toBe(1);
  expect(answer.code, show(answer)).toBe(1);
}

/** Forgets the last judgement: `args`, answered from the caches that remain, must still refuse. */
async function expectRefusedWithoutJudgement(repo: TestRepo, args: string[]): Promise<void> {
  rmSync(path.join(repo.dir, '.git/nixtag/judgement.json'), { force: true });
  const cached = await nixtag(repo.dir, args);
  expect(cached.code, show(cached)).toBe(1);
}

describe('review: the configuration is an input even where it did not exist', () => {
  it('adding .nixtagrc.yaml with another system to a zero-config repository re-evaluates', async () => {
    const repo = await judgedRepo({ 'default.nix': image('"v1"') });
    repo.write({ '.nixtagrc.yaml': 'system: aarch64-linux\n' });
    repo.git('add', '--all');
    await expectRefusedLikeAFreshRun(repo, ['check', '--staged']);
  });

  it('package.json#nixtag added beside .nixtagrc.yaml (it would take precedence) is refused, as a fresh run refuses it', async () => {
    const repo = await judgedRepo({
      'default.nix': image('"v1"'),
      '.nixtagrc.yaml': 'system: x86_64-linux\n',
    });
    repo.write({ 'package.json': JSON.stringify({ name: 'x', nixtag: { system: 'aarch64-linux' } }) });
    repo.git('add', '--all');
    const answer = await nixtag(repo.dir, ['check', '--staged']);
    const full = await fresh(repo);
    for (const run of [answer, full]) {
      expect(run.code, show(run)).toBe(2);
      expect(run.stderr).toContain('[CONFIG_TWICE]');
    }
  });

  it('a new .config/nixtagrc (a cosmiconfig search place) is not an idle change', async () => {
    const repo = await judgedRepo({ 'default.nix': image('"v1"') });
    repo.write({ '.config/nixtagrc': 'system: aarch64-linux\n' });
    repo.git('add', '--all');
    await expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
  });
});

describe('review: path computations that escape the literal without a `+` after it', () => {
  const cases: Array<[string, string, Files, Files]> = [
    [
      'a path held in a variable and extended with "/../"',
      'let d = ./sub; in builtins.readFile (d + "/../data.txt")',
      { 'sub/keep.txt': 'x\n', 'data.txt': 'v1\n' },
      { 'data.txt': 'v2\n' },
    ],
    [
      'a parenthesised literal extended with +',
      'builtins.readFile ((./sub) + "/../data.txt")',
      { 'sub/keep.txt': 'x\n', 'data.txt': 'v1\n' },
      { 'data.txt': 'v2\n' },
    ],
    [
      'toString of a literal inside a string',
      'builtins.readFile "${toString ./sub}/../data.txt"',
      { 'sub/keep.txt': 'x\n', 'data.txt': 'v1\n' },
      { 'data.txt': 'v2\n' },
    ],
    [
      'an interpolation holding ../ after ./dir/',
      'let n = "../data.txt"; in builtins.readFile ./sub/${n}',
      { 'sub/keep.txt': 'x\n', 'data.txt': 'v1\n' },
      { 'data.txt': 'v2\n' },
    ],
    [
      'a relative literal with an interpolation right after its first slash (sub/${n})',
      'let n = "data.txt"; in builtins.readFile sub/${n}',
      { 'sub/data.txt': 'v1\n' },
      { 'sub/data.txt': 'v2\n' },
    ],
    [
      'a literal that leaves the checkout and comes back in through its name (../source/x)',
      'builtins.readFile ../source/data.txt',
      { 'data.txt': 'v1\n' },
      { 'data.txt': 'v2\n' },
    ],
    [
      "nixpkgs' lib.filesystem.locateDominatingFile (dirOf inside nixpkgs, not in the repository)",
      `let lib = import ${NIXPKGS_LIB}; in if lib.filesystem.locateDominatingFile "marker" ./sub/deep == null then "none" else "found"`,
      // lib is imported from outside the repository: confinement (the default) would refuse it.
      { 'sub/deep/keep': 'x\n', '.nixtagrc.yaml': 'evaluation:\n  restrictEval: false\n' },
      { marker: 'here\n' },
    ],
  ];
  for (const [title, data, files, change] of cases) {
    it(title, async () => {
      const repo = await judgedRepo({ 'default.nix': image(data), ...files });
      repo.write(change);
      repo.git('add', '--all');
      await expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
    });
  }
});

describe('review: symlinks that appear above an absent input', () => {
  it('a new symlinked directory makes ./lib/x.txt exist', async () => {
    const repo = await judgedRepo({
      'default.nix': image('if builtins.pathExists ./lib/x.txt then builtins.readFile ./lib/x.txt else "none"'),
      'real/keep': '\n',
    });
    repo.write({ 'real/x.txt': 'hello\n' });
    symlinkSync('real', path.join(repo.dir, 'lib'));
    repo.git('add', '--all');
    await expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
    // Without the judgement, the evaluation cache answers the same wrong way.
    await expectRefusedWithoutJudgement(repo, ['check', '--staged']);
  });
});

describe('review: PATH narrowing', () => {
  it('measures PATH arguments against the current tree, not the last judged one (branch switch)', async () => {
    const repo = await judgedRepo({
      'default.nix': image('builtins.readFile ./a.txt'),
      'a.txt': 'a\n',
      'b.txt': 'b\n',
    });
    repo.git('checkout', '--quiet', '-b', 'other');
    repo.write({ 'default.nix': image('builtins.readFile ./b.txt') });
    expect((await nixtag(repo.dir, ['fix', '--no-cache'])).code).toBe(0);
    repo.commit('other reads b.txt');
    repo.git('checkout', '--quiet', 'main');
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0); // judges main: inputs a.txt
    repo.git('checkout', '--quiet', 'other');
    repo.write({ 'b.txt': 'b2\n' });
    repo.git('add', 'b.txt');
    await expectRefusedLikeAFreshRun(repo, ['check', '--staged', path.join(repo.dir, 'b.txt')]);
  });

  it('follows an imported Nix file without the .nix extension when nothing was judged yet', async () => {
    const repo = await judgedRepo({
      'default.nix': image('import ./nix/data-expr'),
      'nix/data-expr': 'builtins.readFile ../data.txt\n',
      'data.txt': 'v1\n',
    });
    const forget = () => rmSync(path.join(repo.dir, '.git/nixtag'), { recursive: true, force: true });
    forget(); // nothing remembered: a fresh clone
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    repo.write({ 'data.txt': 'v2\n' });
    repo.git('add', 'data.txt');
    // Forget again, as on a teammate's first commit after cloning.
    forget();
    await expectRefusedLikeAFreshRun(repo, ['check', '--staged', 'data.txt']);
  });

  it('follows an imported Nix file with another extension (import ./image.nix.in) when this tree was not judged', async () => {
    const repo = await judgedRepo({
      'default.nix': 'import ./image.nix.in\n',
      'image.nix.in': image('builtins.readFile ./data.txt'),
      'data.txt': 'v1\n',
    });
    repo.write({ 'data.txt': 'v2\n' });
    repo.git('add', 'data.txt');
    await expectRefusedLikeAFreshRun(repo, ['check', '--staged', 'data.txt']);
  });

  it('follows a file of any name under a directory named with an interpolation (./nix/${name})', async () => {
    const repo = await judgedRepo({
      'default.nix': 'let name = "image.in"; in import ./nix/${name}\n',
      'nix/image.in': image('builtins.readFile ../data.txt'),
      'data.txt': 'v1\n',
    });
    const forget = () => rmSync(path.join(repo.dir, '.git/nixtag'), { recursive: true, force: true });
    forget(); // nothing remembered: no evaluation's record of what it read
    repo.write({ 'data.txt': 'v2\n' });
    repo.git('add', 'data.txt');
    await expectRefusedLikeAFreshRun(repo, ['check', '--staged', 'data.txt']);
  });

  it('still narrows by what the last evaluation read when only other files changed since', async () => {
    const repo = await judgedRepo({
      'default.nix': 'import ./image.nix.in\n',
      'image.nix.in': image('builtins.readFile ./data.txt'),
      // Data a static reading would take for Nix: it names `..` and dirOf.
      'data.txt': 'v1 ../x <b> dirOf\n',
      'notes.txt': 'a\n',
    });
    repo.write({ 'notes.txt': 'b\n' });
    repo.git('add', 'notes.txt');
    const narrowed = await nixtag(repo.dir, ['check', '--staged', '--verbose', 'notes.txt']);
    expect(narrowed.code, show(narrowed)).toBe(0);
    expect(show(narrowed)).toContain('none of the given paths');
  });

  describe('a staged deletion, which lint-staged never passes (--diff-filter=ACMR)', () => {
    const files = {
      'default.nix': image('builtins.path { path = ./src; name = "src"; }'),
      'src/a.txt': 'a\n',
      'src/b.txt': 'b\n',
      'README.md': 'readme\n',
    };
    /** The paths lint-staged appends: the staged ones it keeps. */
    const lintStaged = (repo: TestRepo) =>
      repo.git('diff', '--staged', '--name-only', '--diff-filter=ACMR').split('\n').filter(Boolean);

    it('of an input, beside an edit elsewhere', async () => {
      const repo = await judgedRepo(files);
      repo.git('rm', '--quiet', 'src/b.txt');
      repo.write({ 'README.md': 'more\n' });
      repo.git('add', 'README.md');
      await expectRefusedLikeAFreshRun(repo, ['check', '--staged', ...lintStaged(repo)]);
      // Again, now that a judgement of this very tree exists (the idle path).
      await expectRefusedLikeAFreshRun(repo, ['check', '--staged', ...lintStaged(repo)]);
    });

    it('the old name of an input renamed out of the inputs', async () => {
      const repo = await judgedRepo(files);
      repo.git('mv', 'src/b.txt', 'b.txt');
      expect(lintStaged(repo)).toEqual(['b.txt']);
      await expectRefusedLikeAFreshRun(repo, ['check', '--staged', ...lintStaged(repo)]);
      await expectRefusedLikeAFreshRun(repo, ['check', '--staged', ...lintStaged(repo)]);
    });

    it('of an input deleted from the working tree, with check PATH', async () => {
      const repo = await judgedRepo(files);
      rmSync(path.join(repo.dir, 'src/b.txt'));
      repo.write({ 'README.md': 'more\n' });
      const answer = await nixtag(repo.dir, ['check', 'README.md']);
      const full = await nixtag(repo.dir, ['check', '--no-cache']);
      expect(full.code, show(full)).toBe(1);
      expect(answer.code, show(answer)).toBe(1);
    });
  });

  it('a directory argument (`nixtag check .`, `nixtag check k8s`) holding a stale manifest', async () => {
    const repo = gitRepo({
      'default.nix': image('"v1"'),
      'k8s/deploy.yaml': deployment(`${REF}:${STALE}`),
    });
    expect((await nixtag(repo.dir, ['check', '--no-cache'])).code).toBe(1);
    const dot = await nixtag(repo.dir, ['check', '--no-cache', '.']);
    expect(dot.code, show(dot)).toBe(1);
    const k8s = await nixtag(repo.dir, ['check', '--no-cache', 'k8s']);
    expect(k8s.code, show(k8s)).toBe(1);
  });
});

describe('review: manifest globs on some images only', () => {
  it('a new file matching one image glob (not YAML-named) while another image uses the default set', async () => {
    const appManifest = (tag: string) =>
      `${JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        spec: { template: { spec: { containers: [{ name: 'a', image: `${REF}:${tag}` }] } } },
      })}\n`;
    const repo = gitRepo({
      'default.nix': image('"a"'),
      'b.nix': image('"b"'),
      '.nixtagrc.yaml': `images:
  - name: app
    nix: default.nix
    repository: ${REF}
    manifests: ["deploy/*.json"]
  - name: b
    nix: b.nix
    repository: registry.example/b
`,
      'deploy/app.json': appManifest(STALE),
      'b.yaml': deployment(`registry.example/b:${STALE}`),
    });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('current tags');
    expect((await nixtag(repo.dir, ['check', '--staged'])).code).toBe(0);
    repo.write({ 'deploy/new.json': appManifest(STALE) });
    repo.git('add', '--all');
    await expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
  });
});

describe('review: path literals in the configuration', () => {
  it('an `args` expression (`{ expr: "./data" }`) names a directory the evaluation reads', async () => {
    const repo = await judgedRepo({
      'default.nix': `{ system ? builtins.currentSystem, src }:
derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
  builder = "/bin/sh";
  args = [ "-c" "echo > $out" ];
  data = builtins.readFile (src + "/x.txt");
}
`,
      'data/x.txt': 'v1\n',
      '.nixtagrc.yaml': `images:
  - name: app
    nix: default.nix
    repository: ${REF}
    args:
      src: { expr: "./data" }
`,
    });
    repo.write({ 'data/x.txt': 'v2\n' });
    repo.git('add', '--all');
    await expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
  });
});

describe('review: submodules (fresh runs too)', () => {
  it('evaluates with the submodule checked out, as CI clones it (submodules: true is the default)', async () => {
    const library = gitRepo({ 'x.txt': 'v1\n' }, 'library');
    const repo = gitRepo({ 'README.md': 'hi\n' });
    repo.git('-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', library.dir, 'vendor');
    repo.write({
      'default.nix': image('if builtins.pathExists ./vendor/x.txt then builtins.readFile ./vendor/x.txt else "none"'),
      'deploy.yaml': deployment(`${REF}:${STALE}`),
    });
    repo.commit('image');
    const clone = path.join(tempDir('ci-'), 'source');
    execFileSync(
      'git',
      ['-c', 'protocol.file.allow=always', 'clone', '--quiet', '--recurse-submodules', repo.dir, clone],
      {
        env: testEnv(),
      },
    );
    const ci = n2k8sTag(clone);
    expect(ci).toMatch(/^[0-9a-z]{32}$/);
    const hash = await nixtag(repo.dir, ['hash', '--json', '--no-cache']);
    const ours = (JSON.parse(hash.stdout) as { images: Array<{ hash: string }> }).images[0]!.hash;
    expect(ours, show(hash)).toBe(ci);
  });
});

describe('review: what manifests and the configuration read beyond their own path', () => {
  describe('a manifest that is a symlink to a symlink: the link in the middle is retargeted', () => {
    /** deploy.yaml -> envs/current -> envs/v1.txt (fresh); v2.txt holds a stale tag. */
    async function chainRepo(): Promise<TestRepo> {
      const repo = gitRepo({
        'default.nix': image('"v1"'),
        '.nixtagrc.yaml': `images: [{ name: app, nix: default.nix, repository: ${REF} }]\n`,
        'envs/v1.txt': deployment(`${REF}:${STALE}`),
        'envs/v2.txt': deployment(`${REF}:${STALE}`),
      });
      symlinkSync('v1.txt', path.join(repo.dir, 'envs/current'));
      symlinkSync('envs/current', path.join(repo.dir, 'deploy.yaml'));
      repo.commit('chained manifest');
      expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
      repo.commit('current tags');
      expect((await nixtag(repo.dir, ['check', '--staged'])).code).toBe(0);
      expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
      rmSync(path.join(repo.dir, 'envs/current'));
      symlinkSync('v2.txt', path.join(repo.dir, 'envs/current'));
      return repo;
    }

    it('in the index', async () => {
      const repo = await chainRepo();
      repo.git('add', 'envs/current');
      await expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
      await expectRefusedWithoutJudgement(repo, ['check', '--staged']);
    });

    it('in the working tree', async () => {
      const repo = await chainRepo();
      const answer = await nixtag(repo.dir, ['check']);
      const full = await nixtag(repo.dir, ['check', '--no-cache']);
      expect(full.code, show(full)).toBe(1);
      expect(answer.code, show(answer)).toBe(1);
      await expectRefusedWithoutJudgement(repo, ['check']);
    });
  });

  const linked: Array<[string, string]> = [
    ['a manifest that is a symlink: its target changes', deployment(`${REF}:${STALE}`)],
    ['a symlinked manifest skipped as not YAML, whose target then becomes a stale manifest', 'image: [not yaml\n'],
  ];
  for (const [title, before] of linked) {
    it(title, async () => {
      const repo = gitRepo({
        'default.nix': image('"v1"'),
        'other.yaml': deployment(`${REF}:${STALE}`),
        'shared/deploy.tmpl': before,
      });
      symlinkSync('shared/deploy.tmpl', path.join(repo.dir, 'deploy.yaml'));
      repo.commit('symlinked manifest');
      expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
      repo.commit('current tags');
      expect((await nixtag(repo.dir, ['check', '--staged'])).code).toBe(0);
      repo.write({ 'shared/deploy.tmpl': deployment(`${REF}:${STALE}`) });
      repo.git('add', '--all');
      await expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
    });
  }

  it("a data configuration that imports another file with cosmiconfig's $import", async () => {
    const configured = (version: string) =>
      `${JSON.stringify({ images: [{ name: 'app', nix: 'default.nix', repository: REF, args: { ver: version } }] })}\n`;
    const repo = await judgedRepo({
      'default.nix': `{ ver ? "1" }: derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; inherit ver; }\n`,
      'conf/base.json': configured('1'),
      'conf/extra.yaml': '$import: base.json\nsystem: x86_64-linux\n',
      '.nixtagrc.yaml': '$import: conf/extra.yaml\n',
    });
    // The imported files are configuration: never manifests, never mentions.
    const quiet = await nixtag(repo.dir, ['check', '--staged', '--no-cache']);
    expect(show(quiet)).not.toMatch(/mention|names a managed repository/);
    repo.write({ 'conf/base.json': configured('2') });
    repo.git('add', '--all');
    await expectRefusedLikeAFreshRun(repo, ['hook', 'pre-commit']);
    await expectRefusedLikeAFreshRun(repo, ['check', '--staged', 'conf/base.json']);
    rmSync(path.join(repo.dir, '.git/nixtag'), { recursive: true, force: true });
    await expectRefusedLikeAFreshRun(repo, ['check', '--staged', 'conf/base.json']);
  });

  it('a configuration that imports a file git does not track: CI does not have it', async () => {
    const repo = await judgedRepo({ 'default.nix': image('"v1"'), '.nixtagrc.yaml': 'system: x86_64-linux\n' });
    repo.write({
      '.nixtagrc.yaml': '$import: local.yaml\nsystem: x86_64-linux\n',
      'local.yaml': 'system: aarch64-linux\n',
    });
    repo.git('commit', '--quiet', '-m', 'import an untracked file', '.nixtagrc.yaml'); // local.yaml stays untracked
    const check = await nixtag(repo.dir, ['check']);
    expect(check.code, show(check)).toBe(2);
    expect(show(check)).toContain('local.yaml');
  });

  it('check (working tree) reads an untracked configuration that neither the commit nor the idle answer sees', async () => {
    const repo = await judgedRepo({ 'default.nix': image('"v1"') });
    repo.write({ '.nixtagrc.yaml': 'system: aarch64-linux\n' }); // untracked
    const idle = await nixtag(repo.dir, ['check']);
    const full = await nixtag(repo.dir, ['check', '--no-cache']);
    expect(idle.code).toBe(0);
    expect(full.code, show(full)).toBe(idle.code);
  });
});

describe("review: the user's git configuration in nixtag's checkout", () => {
  it('core.autocrlf=true in the repository config does not change the evaluated files', async () => {
    const repo = gitRepo({ 'default.nix': image('builtins.readFile ./data.txt'), 'data.txt': 'a\nb\n' });
    const ci = n2k8sTag(ciCheckout(repo)); // CI's clone: no autocrlf
    repo.git('config', 'core.autocrlf', 'true');
    const hash = await nixtag(repo.dir, ['hash', '--json', '--no-cache']);
    const ours = (JSON.parse(hash.stdout) as { images: Array<{ hash: string }> }).images[0]!.hash;
    expect(ours, show(hash)).toBe(ci);
  });
});

describe("review: nixtag's checkout is not a git repository (fresh runs too)", () => {
  it("builtins.pathExists ./.git is true in CI's clone", async () => {
    const repo = gitRepo({ 'default.nix': image('if builtins.pathExists ./.git then "clone" else "archive"') });
    const clone = path.join(tempDir('ci-'), 'source');
    execFileSync('git', ['clone', '--quiet', repo.dir, clone], { env: testEnv() });
    const ci = n2k8sTag(clone);
    expect(ci).toMatch(/^[0-9a-z]{32}$/);
    const hash = await nixtag(repo.dir, ['hash', '--json', '--no-cache']);
    const ours = (JSON.parse(hash.stdout) as { images: Array<{ hash: string }> }).images[0]!.hash;
    expect(ours, show(hash)).toBe(ci);
  });
});
