/**
 * Evaluating only when an input changed, and a cached verdict equal to a fresh one: tables of
 * layouts run in-process (test/helpers/inProcess.ts). test/e2e/inputs.test.ts runs the hooks and
 * a few of these through the built CLI.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deployment, STALE } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { countingNix } from '../helpers/nix.js';
import { gitRepo, n2k8sTag } from '../helpers/repo.js';
import { freshClone } from '../helpers/trees.js';

describe('evaluating only when an input changed', () => {
  it('follows a source outside the expression directory (nix/default.nix with src = ../app)', async () => {
    const repo = gitRepo({
      'nix/default.nix': `{ system ? builtins.currentSystem }:
derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  src = builtins.path { path = ../app; name = "source"; }; }
`,
      'app/main.go': 'package main\n',
      '.nixtagrc.yaml': 'images:\n  - name: app\n    nix: nix/default.nix\n    repository: registry.example/app\n',
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.git('add', '--all');
    repo.write({ 'app/main.go': 'package main // v2\n' });
    repo.git('add', 'app/main.go');
    const result = await nixtag(repo.dir, ['check', '--staged', 'app/main.go']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('stale reference to app');
  });

  it.each([
    ['a file inside it', 'builtins.readFile ./lib/data.txt'],
    ['its directory', 'builtins.path { path = ./lib; name = "lib"; }'],
    ['the whole tree (an untrackable construct)', 'builtins.readFile (dirOf ./default.nix + "/lib/data.txt")'],
  ])('keys an input in a submodule, %s, on the commit it is recorded at: a bump is an input change', async (_, src) => {
    const lib = gitRepo({ 'data.txt': 'v1\n' }, 'lib');
    const repo = gitRepo({
      'default.nix': `derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo > $out" ]; src = ${src}; }
`,
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'lib');
    repo.commit('submodule');
    const nix = countingNix();
    expect((await nixtag(repo.dir, ['fix'], nix.env)).code).toBe(0);
    repo.commit('current tag');
    expect((await nixtag(repo.dir, ['check'], nix.env)).code).toBe(0);
    const calls = nix.calls();
    // The submodule moves to a commit with other content, and only the gitlink is staged.
    lib.write({ 'data.txt': 'v2\n' });
    lib.commit('v2');
    repo.git('-C', 'lib', 'pull', '--quiet', lib.dir, 'main');
    repo.git('add', 'lib');
    const expected = async (args: string[]) => {
      const fresh = await nixtag(repo.dir, [...args, '--json', '--no-cache'], nix.env);
      const cached = await nixtag(repo.dir, [...args, '--json'], nix.env);
      expect(cached.code, cached.stdout + cached.stderr).toBe(fresh.code);
      expect(JSON.parse(cached.stdout)).toEqual(JSON.parse(fresh.stdout));
      return fresh.code;
    };
    expect(await expected(['check', '--staged'])).toBe(1);
    expect(nix.calls()).toBeGreaterThan(calls); // asked Nix: the cached tag no longer holds
    repo.git('commit', '--quiet', '--no-verify', '-m', 'bump lib');
    expect(await expected(['check'])).toBe(1);
    expect((await nixtag(repo.dir, ['fix'], nix.env)).code).toBe(0);
    expect(repo.read('k8s/app.yaml')).toContain(`registry.example/app:${n2k8sTag(freshClone(repo.dir))}`);
  });

  it('never takes a submodule for a manifest, whatever its name', async () => {
    const lib = gitRepo({ 'values.yaml': `image: registry.example/app:${STALE}\n` }, 'lib');
    const repo = gitRepo({
      'default.nix': `derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh";
  args = [ "-c" "echo > $out" ]; src = builtins.path { path = ./charts/lib.yaml; name = "lib"; }; }
`,
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    repo.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'charts/lib.yaml');
    repo.commit('submodule');
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    const result = await nixtag(repo.dir, ['check', '--json']);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { references: Array<{ file: string }>; warnings: unknown[] };
    expect(report.references.map((reference) => reference.file)).toEqual(['k8s/app.yaml']);
    expect(report.warnings).toEqual([]);
  });

  it('sees a manifest that a source filter driven by another file takes in (no learned shortcut)', async () => {
    const filtered = `{ system ? builtins.currentSystem }:
let ignored = builtins.filter builtins.isString (builtins.split "\\n" (builtins.readFile ./.nixignore));
in derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  src = builtins.path { path = ./.; name = "source"; filter = p: t: !(builtins.elem (baseNameOf p) ignored); }; }
`;
    const repo = gitRepo({
      'default.nix': filtered,
      '.nixignore': '.git\n',
      '.nixtagrc.yaml': 'images:\n  - name: app\n    repository: registry.example/app\n',
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    const fix = await nixtag(repo.dir, ['fix']);
    expect(fix.code).toBe(1);
    expect(fix.stdout).toContain('is part of the Nix source of image app');
    expect((await nixtag(repo.dir, ['check'])).code).toBe(1);
  });

  it.each([
    ['/. + …', 'builtins.readFile (/. + (toString ./version.txt))'],
    ['a path extended with +', 'builtins.readFile (./. + "/version.txt")'],
    [
      "a path's location edited as a string",
      'builtins.readFile (builtins.replaceStrings [ "default.nix" ] [ "version.txt" ] (toString ./default.nix))',
    ],
    [
      'a location reached through a name bound to a path',
      'let self = ./default.nix; in builtins.readFile (builtins.replaceStrings [ "default.nix" ] [ "version.txt" ] (builtins.toString self))',
    ],
    [
      "the file's own position",
      'builtins.readFile (builtins.replaceStrings [ "default.nix" ] [ "version.txt" ] __curPos.file)',
    ],
  ])('keys an evaluation that uses %s by the whole tree, with a correct verdict', async (_, read) => {
    const repo = gitRepo({
      'default.nix': `{ system ? builtins.currentSystem }:
derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  version = ${read}; }
`,
      'version.txt': '1\n',
      'README.md': 'hi\n',
      '.nixtagrc.yaml': 'images:\n  - name: app\n    repository: registry.example/app\n',
      'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
    });
    const nix = countingNix();
    expect((await nixtag(repo.dir, ['fix'], nix.env)).code).toBe(0);
    // What a miss costs: one evaluation, and the location probe's second where the expression can
    // see where the checkout lies (toString of a path, __curPos): the tag stays judged, as it does not move.
    const beforeMiss = nix.calls();
    expect((await nixtag(repo.dir, ['check', '--no-cache'], nix.env)).code).toBe(0);
    const perMiss = nix.calls() - beforeMiss;
    expect([1, 2]).toContain(perMiss);
    const afterMiss = nix.calls();
    repo.write({ 'README.md': 'changed\n' });
    expect((await nixtag(repo.dir, ['check'], nix.env)).code).toBe(0);
    expect(nix.calls()).toBe(afterMiss + perMiss); // the whole tree is the key: a README counts
    const verbose = await nixtag(repo.dir, ['check', '--verbose'], nix.env);
    expect(verbose.stdout).toContain('every tracked file counts as an input');
    repo.write({ 'version.txt': '2\n' });
    expect((await nixtag(repo.dir, ['check'], nix.env)).code).toBe(1);
  });
});

describe('a cached verdict', () => {
  const edits = fc.constantFrom<Record<string, string>>(
    { 'README.md': 'readme v2\n' },
    { 'README.md': 'readme v3\n' },
    { 'src/main.go': 'package main // v2\n' },
    { 'src/main.go': 'package main // v3\n' },
    { 'src/extra/new.go': 'package extra\n' },
    { 'lib/version.nix': '"2"\n' },
    { 'lib/version.nix': '"3"\n' },
    { 'lib/unused.nix': '"not imported"\n' },
    { 'notes/todo.txt': 'todo\n' },
    { 'k8s/other.yaml': 'image: nginx:1.25\n' },
    { 'k8s/app.yaml': deployment(`registry.example/app:${STALE}`) },
    { 'k8s/app.yaml': `# two lines\n# more\n${deployment(`registry.example/app:${STALE}`)}` },
    { 'k8s/web.yaml': deployment(`registry.example/app:${STALE}`).replace('name: app', 'name: web') },
  );

  it('always equals a run without the cache, after random edits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(edits, fc.constant('fix' as const)), { minLength: 6, maxLength: 6 }),
        async (steps) => {
          const repo = gitRepo({
            'default.nix': `{ system ? builtins.currentSystem }:
derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  version = import ./lib/version.nix; src = builtins.path { path = ./src; name = "source"; }; }
`,
            'lib/version.nix': '"1"\n',
            'src/main.go': 'package main\n',
            'README.md': 'readme\n',
            '.nixtagrc.yaml': 'images:\n  - name: app\n    repository: registry.example/app\n',
            'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
          });
          for (const step of steps) {
            if (step === 'fix') await nixtag(repo.dir, ['fix']);
            else repo.write(step);
            const cached = await nixtag(repo.dir, ['check']);
            const fresh = await nixtag(repo.dir, ['check', '--no-cache']);
            expect(cached.code).toBe(fresh.code);
            // The whole report: the same references at the same places, as read from the memory.
            expect(cached.stdout).toBe(fresh.stdout);
          }
        },
      ),
      { numRuns: 4 },
    );
  }, 600_000); // 4 repositories of 6 steps, each judged twice
});
