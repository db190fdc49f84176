import { execFileSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { covers } from '../../src/nix/source/inputSet.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { nixtag } from '../helpers/inProcess.js';
import { gitRepo, n2k8sTag, testEnv } from '../helpers/repo.js';
import { trackedInputs, writeFiles } from '../helpers/tracker.js';
import { freshClone } from '../helpers/trees.js';

const REPO = 'registry.example/app';

/**
 * Paths the input tracker cannot see (issue 20, item 4): a path literal carried through names,
 * attributes, lists, parentheses and functions (of the same file or another), then extended or
 * turned into a string, so that Nix reads a file no literal names. Whatever the program, the
 * file Nix reads (asked of Nix itself) is among the inputs, or every file counts.
 */

/** One step that hands the path value on: `e` is the expression so far, `n` a fresh suffix. */
const STEPS: ReadonlyArray<(e: string, n: number) => { expr: string; files?: Record<string, string> }> = [
  (e, n) => ({ expr: `(let v${n} = ${e}; in v${n})` }),
  (e, n) => ({ expr: `(let s${n} = { a${n} = ${e}; }; in s${n}.a${n})` }),
  (e, n) => ({ expr: `{ a${n} = ${e}; }.a${n}` }),
  (e) => ({ expr: `(builtins.head [ ${e} ])` }),
  (e) => ({ expr: `(builtins.elemAt [ 1 ${e} ] 1)` }),
  (e) => ({ expr: `(${e})` }),
  (e, n) => ({ expr: `((p${n}: p${n}) ${e})` }),
  (e, n) => ({ expr: `(let f${n} = { x${n} }: x${n}; in f${n} { x${n} = ${e}; })` }),
  (e, n) => ({ expr: `(import ./lib/id${n}.nix ${e})`, files: { [`lib/id${n}.nix`]: `p: p\n` } }),
  (e, n) => ({ expr: `(rec { r${n} = ${e}; q${n} = r${n}; }).q${n}` }),
];

/** What the program does with the path at the end, and the file that reads, given where it points. */
const ENDS: ReadonlyArray<{ code: (e: string) => string; reads: (target: string) => string }> = [
  { code: (e) => `${e} + ".json"`, reads: (target) => `${target}.json` },
  { code: (e) => `${e} + ("/." + "./other.json")`, reads: (target) => `${path.posix.dirname(target)}/other.json` },
  { code: (e) => `"\${toString ${e}}.json"`, reads: (target) => `${target}.json` },
  { code: (e) => `${e} + "/inner.json"`, reads: (target) => `${target}/inner.json` },
  // A function of another file extends what it is given.
  { code: (e) => `import ./lib/extend.nix ${e}`, reads: (target) => `${target}.json` },
  // … by a name bound to a string, by another parameter, or as a string that starts with its location.
  { code: (e) => `import ./lib/extend-by-name.nix ${e}`, reads: (target) => `${target}.json` },
  { code: (e) => `import ./lib/extend-by-argument.nix ${e} ".json"`, reads: (target) => `${target}.json` },
  { code: (e) => `import ./lib/locate.nix ${e}`, reads: (target) => `${target}.json` },
  // … after binding it to another name, inheriting it from an argument, or reading it through `with`.
  { code: (e) => `import ./lib/rename.nix ${e}`, reads: (target) => `${target}.json` },
  { code: (e) => `import ./lib/inherit.nix { dir = ${e}; }`, reads: (target) => `${target}.json` },
  { code: (e) => `import ./lib/with.nix { dir = ${e}; }`, reads: (target) => `${target}.json` },
  // … toString under another name, a function returning the location, a list joined into a name.
  { code: (e) => `(let ts = builtins.toString; in "\${ts ${e}}.json")`, reads: (target) => `${target}.json` },
  { code: (e) => `(let loc = x: toString x; in "\${loc ${e}}.json")`, reads: (target) => `${target}.json` },
  { code: (e) => `import ./lib/alias.nix ${e}`, reads: (target) => `${target}.json` },
  { code: (e) => `import ./lib/join.nix ${e}`, reads: (target) => `${target}.json` },
];

/** The functions of other files that the ends call. */
const LIBRARY: Record<string, string> = {
  'lib/extend.nix': 'p: p + ".json"\n',
  'lib/extend-by-name.nix': 'p: let ext = ".json"; in p + ext\n',
  'lib/extend-by-argument.nix': 'p: ext: p + ext\n',
  'lib/locate.nix': 'p: "${toString p}.json"\n',
  'lib/rename.nix': 'p: let q = p; in q + ".json"\n',
  'lib/inherit.nix': 'args: let inherit (args) dir; in dir + ".json"\n',
  'lib/with.nix': 'args: with args; dir + ".json"\n',
  'lib/alias.nix': 'p: let inherit (builtins) toString; ts = toString; in "${ts p}.json"\n',
  'lib/join.nix': 'p: builtins.concatStringsSep "" [ (toString p) ".json" ]\n',
};

const program = fc.record({
  directory: fc.constantFrom('', 'conf/', 'a/b/'),
  steps: fc.array(fc.nat(STEPS.length - 1), { maxLength: 4 }),
  end: fc.nat(ENDS.length - 1),
});

describe('a path value the reader cannot follow', () => {
  it('makes every file an input, or the inputs hold the file Nix reads', async () => {
    await fc.assert(
      fc.asyncProperty(program, async ({ directory, steps, end }) => {
        const target = `${directory}settings`;
        let expr = `./${target}`;
        const files: Record<string, string> = { ...LIBRARY };
        steps.forEach((step, index) => {
          const next = STEPS[step]!(expr, index);
          expr = next.expr;
          Object.assign(files, next.files ?? {});
        });
        const ending = ENDS[end]!;
        const reads = path.posix.normalize(ending.reads(target));
        files['default.nix'] = `builtins.readFile (${ending.code(expr)})\n`;
        // Every file the program may read, each with its own text: Nix says which one it read.
        for (const candidate of [`${target}.json`, `${directory}other.json`, `${target}/inner.json`]) {
          files[candidate] = `the text of ${candidate}`;
        }
        const root = writeFiles(files);
        const read = execFileSync('nix-instantiate', ['--eval', '--json', 'default.nix'], {
          cwd: root,
          env: testEnv(),
          encoding: 'utf8',
        });
        expect([files['default.nix'], JSON.parse(read)]).toEqual([files['default.nix'], `the text of ${reads}`]);

        for (const inputs of await trackedInputs(root, Object.keys(files))) {
          expect([files['default.nix'], reads, covers(inputs.paths, reads)]).toEqual([
            files['default.nix'],
            reads,
            true,
          ]);
        }
      }),
      { numRuns: 100 },
    );
  }, 600_000);
});

describe('the cache, where a path is extended', () => {
  it('evaluates again when the file read changes, and --verbose says why every file counts', async () => {
    const repo = gitRepo({
      'default.nix': `let settings = ./settings; in derivation {
  name = "app-\${builtins.readFile (settings + ".json")}"; system = builtins.currentSystem;
  builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
}
`,
      'settings.json': 'one',
      '.nixtagrc.yaml': `images:\n  - name: app\n    repository: ${REPO}\n    manifests: [k8s/app.yaml]\n`,
      'k8s/app.yaml': deployment(`${REPO}:${STALE}`),
    });
    expect((await nixtag(repo.dir, ['fix'])).code).toBe(0);
    repo.commit('fixed');
    expect((await nixtag(repo.dir, ['check'])).code).toBe(0);
    repo.write({ 'settings.json': 'two' });
    const check = await nixtag(repo.dir, ['check', '--verbose']);
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toContain('default.nix uses settings (line 2), a path value extended with +');
    // The oracle: CI's command on the committed change.
    repo.commit('other settings');
    expect(n2k8sTag(freshClone(repo.dir))).not.toBe(repo.read('k8s/app.yaml').match(/:([0-9a-z]{32})/)![1]);
  });
});
