import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { check, doctor, hash } from '../../src/index.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { countingNix, onSecondNix } from '../helpers/nix.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo, n2k8sTag, type TestRepo } from '../helpers/repo.js';
import {
  expectJudgedAsCi,
  imageWith as image,
  locatedConfig as config,
  LOCATED_REPO as REPO,
  pinnedLib,
} from '../helpers/locatedImages.js';
import { cleanGitEnv, freshClone } from '../helpers/trees.js';

/**
 * A tag that depends on where the checkout lies (adv14 F1, F7): the checkout's absolute path
 * reaches the image through a dependency, a `builtins.toFile`, a hash or a part of it, or a source
 * filter matches a word of it (`/tmp/`). nixtag's checkout lies at one place, CI's at another
 * (Tekton: /workspace/source): check never calls such a tag up to date (engine/checkoutLocation.ts
 * evaluates the image again in a second checkout elsewhere). The oracle is CI's own command in
 * fresh clones named `source` under two parents. The same idioms with no location in the tag stay
 * judged and agree with the oracle.
 */

/** nixtag's own tag committed in the manifest: what the stale pass called up to date. */
async function commitOwnTag(repo: TestRepo): Promise<string> {
  const [own] = (await hash({ cwd: repo.dir, cache: false })).images;
  repo.write({ 'k8s/app.yaml': deployment(`${REPO}:${own!.hash}`) });
  repo.commit("nixtag's own tag");
  return own!.hash;
}

async function expectUnjudged(repo: TestRepo, construct: RegExp): Promise<void> {
  for (const run of [1, 2]) {
    const result = await check({ cwd: repo.dir });
    expect([run, result]).toMatchObject([run, { commitDependent: ['app'] }]);
    expect(result.references).toEqual([expect.objectContaining({ status: 'unmanaged', expected: null })]);
    const warnings = result.warnings.map((warning) => warning.message).join('\n');
    expect(warnings).toMatch(/its tag depends on where the checkout lies/);
    expect(warnings).toMatch(construct);
  }
}

/** doctor names the dependence on the place (not a tag that moves by itself), and that CI's verdict differs. */
async function expectDoctorSays(repo: TestRepo): Promise<void> {
  const found = await doctor({ cwd: repo.dir });
  expect(found.findings.map((finding) => [finding.code, finding.file, finding.differsFromCi])).toEqual([
    ['checkoutPath', 'default.nix', true],
  ]);
  expect(found.ok).toBe(false);
}

/** A directory outside every temporary directory (a filter on `/tmp/` keeps all there), removed after the test. */
function outsideTmp(): string {
  const dir = mkdtempSync(path.join(homedir(), '.nixtag-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('a tag that depends on where the checkout lies', () => {
  const variants: Array<[string, Record<string, string>, RegExp]> = [
    [
      'a dependency derivation holds the path (a generated script)',
      {
        'default.nix': image(
          'src = builtins.path { path = ./app; name = "source"; };\n  inherit script;',
          `let script = derivation { name = "run.sh"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo 'cd \${toString ./app}' > $out" ]; };
in `,
        ),
      },
      /toString \.\/app \(line 2\)/,
    ],
    [
      'a builtins.toFile holds it',
      {
        'default.nix': image(
          'src = builtins.path { path = ./app; name = "source"; };\n  inherit cfg;',
          'let cfg = builtins.toFile "app.conf" "root = ${toString ./app}\\n"; in ',
        ),
      },
      /toString \.\/app \(line 1\)/,
    ],
    [
      'a hash of it',
      { 'default.nix': image('cacheKey = builtins.hashString "sha256" (toString ./app);') },
      /toString \.\/app \(line 4\)/,
    ],
    [
      'the parent directory name',
      { 'default.nix': image('workspace = baseNameOf (dirOf (toString ./.));') },
      /dirOf \(line 4\)/,
    ],
    // adv: a path handed to a function whose body makes it a string (`mkApp { src = ./app; }`):
    // the parameter's location reaches the tag through a hash, which the derivation's text hides.
    [
      "a function's parameter made a string in another file (mkApp { src = ./app; })",
      {
        'default.nix': 'import ./app.nix { src = ./app; }\n',
        'app.nix': `{ src }: ${image('copied = builtins.path { path = src; name = "source"; };\n  key = builtins.hashString "sha256" (toString src);')}`,
      },
      /app\.nix: toString src \(line 5\), the location of a parameter that may hold a path/,
    ],
    [
      "the directory around a function's parameter",
      {
        'default.nix': 'import ./app.nix { src = ./app; }\n',
        'app.nix': `{ src }: ${image('key = baseNameOf (dirOf (dirOf src));')}`,
      },
      /app\.nix: dirOf \(line 4\), the directory around a parameter that may hold a path/,
    ],
  ];
  for (const [title, files, construct] of variants) {
    it(`${title}: left unjudged, never up to date`, async () => {
      const repo = gitRepo({
        ...files,
        'app/main.txt': 'hi\n',
        '.nixtagrc.yaml': config,
        'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      });
      const one = n2k8sTag(freshClone(repo.dir));
      expect(one).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
      expect(n2k8sTag(freshClone(repo.dir))).not.toBe(one);
      await commitOwnTag(repo);
      await expectUnjudged(repo, construct);
      if (title.startsWith('a dependency')) await expectDoctorSays(repo);
    });
  }

  // Nix 2.26 runs in a chroot that sees /tmp only: a clone outside it (CI's /workspace/source) cannot be evaluated there.
  it.skipIf(onSecondNix)(
    'a source filter that drops `/tmp/` drops everything in a checkout under a temporary directory: left unjudged',
    async () => {
      vi.stubEnv('XDG_CACHE_HOME', outsideTmp());
      onTestFinished(() => {
        vi.unstubAllEnvs();
      }); // before the directory goes: no later test checks out there
      const repo = gitRepo({
        'default.nix': image(
          'src = builtins.path { path = ./app; name = "source"; filter = path: type: builtins.match ".*/(tmp|log)/.*" path == null; };',
        ),
        'app/main.txt': 'hi\n',
        'app/tmp/scratch': 'left out\n',
        '.nixtagrc.yaml': config,
        'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      });
      // The oracle: a clone outside any temporary directory (as /workspace/source) against one under TMPDIR.
      const ci = path.join(outsideTmp(), 'source');
      execFileSync('git', ['clone', '--quiet', repo.dir, ci], { env: cleanGitEnv(), stdio: 'ignore' });
      const atCi = n2k8sTag(ci);
      expect(atCi).toMatch(/^[0-9a-df-np-sv-z]{32}$/);
      expect(n2k8sTag(freshClone(repo.dir))).not.toBe(atCi);
      expect(await commitOwnTag(repo)).not.toBe(atCi);
      await expectUnjudged(repo, /a source filter's path read other than through baseNameOf/);
      await expectDoctorSays(repo);
    },
  );

  it('a parameter made a string costs no second evaluation where no path is passed on, nor does a plain lib.cleanSource', async () => {
    const lib = pinnedLib();
    const cases = {
      'toString of a parameter, no path handed on': image('port = let show = p: toString p; in show 8080;'),
      'lib.cleanSource ./app': image('src = lib.cleanSource ./app;', lib.prelude),
      // bench/services.mjs's shape: a number the file folds, made a string beside a path handed on.
      'toString of a number the file computes, a path handed on': image(
        'src = builtins.path { path = ./app; name = "source"; };\n  n = let total = builtins.foldl\' (acc: x: acc + x) 0 [ 1 2 ]; in toString total;',
      ),
    };
    for (const [title, expression] of Object.entries(cases)) {
      const repo = gitRepo({
        'default.nix': expression,
        'app/main.txt': 'hi\n',
        ...lib.files,
        'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
      });
      const nix = countingNix();
      expect([title, (await nixtag(repo.dir, ['fix'], nix.env)).code]).toEqual([title, 0]);
      const before = nix.calls();
      expect([title, (await nixtag(repo.dir, ['check', '--no-cache'], nix.env)).code]).toEqual([title, 0]);
      expect([title, nix.calls() - before]).toEqual([title, 1]);
    }
  });

  it('the same idioms where the tag holds no location (cleanSource, a filter on the relative path, toString read back): judged, the tag CI computes', async () => {
    const lib = pinnedLib();
    const repo = gitRepo({
      'default.nix': image(
        [
          'clean = lib.cleanSource ./app;',
          'relative = lib.cleanSourceWith { src = ./app; name = "source"; filter = path: type: !(lib.hasPrefix "tmp" (lib.removePrefix (toString ./app + "/") (toString path))); };',
          'named = baseNameOf (toString ./app);',
          'read = builtins.readFile (toString ./app/main.txt);',
        ].join('\n  '),
        lib.prelude,
      ),
      'app/main.txt': 'hi\n',
      'app/tmp/scratch': 'left out\n',
      ...lib.files,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    await expectJudgedAsCi(repo, 2);
  });
});
