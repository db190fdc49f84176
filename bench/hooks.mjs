// Step 3 figures. (a) A warm pre-commit (nothing relevant changed since the tree was judged)
// against `node -e` running `git diff --cached --name-only` in the same repository: target <= 1.5.
// (b) Checking out the index of a 20,000-file repository after a one-file change against
// `git diff --cached` there: target <= 2. What is timed is what a hook waits for before Nix can
// start: the checkout's files, and its HEAD, a commit of the index's tree, whose id nixtag
// derives from the last one and the `git diff-index` the update runs anyway (tree/treeFromDiff.ts).
// Measured twice: as `git commit` (or `git commit -a`) hands the index to its pre-commit hook,
// with its cache tree written; and after a bare `git add` (a `check --staged` typed by hand, or
// `git commit PATH...`, whose temporary index has no cache tree), where `git write-tree` would
// first write the 1.6 MB index back.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { judgedTree } from '../dist/tree/judgedTree.js';
import { materializeTree } from '../dist/tree/checkout.js';
import { openRepository } from '../dist/git/repository.js';
import { BIN, compare, elapsed, repository, time } from './lib.mjs';

// (a) ---------------------------------------------------------------------------------------
const image = `derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; src = builtins.path { path = ./app; name = "source"; }; }\n`;
const small = repository({
  'default.nix': image,
  'app/main.go': 'package main\n',
  'k8s/deployment.yaml':
    'kind: Pod\nspec:\n  containers:\n    - name: app\n      image: registry.example/app:0000000000000000000000000000000a\n',
  '.nixtagrc.yaml': 'images:\n  - name: app\n    repository: registry.example/app\n',
});
execFileSync(process.execPath, [BIN, 'fix'], { cwd: small.dir });
small.git('add', '--all');
small.git('commit', '--quiet', '-m', 'fresh');
const node = (args) => () => time(process.execPath, args, { cwd: small.dir, expectStatus: 0 });
const hook = node([BIN, 'hook', 'pre-commit', '--check']);
hook(); // the first run judges the tree; the rest are warm
const okA = await compare({
  title: 'Warm pre-commit vs node running git diff --cached',
  baseline: [
    'node -e: git diff --cached --name-only',
    node(['-e', "require('child_process').execFileSync('git', ['diff', '--cached', '--name-only'])"]),
  ],
  subject: ['nixtag hook pre-commit, warm', hook],
  target: 1.5,
  rounds: 15,
});

// (b) ---------------------------------------------------------------------------------------
const files = {};
for (let directory = 0; directory < 200; directory++) {
  for (let file = 0; file < 100; file++) files[`pkg${directory}/file${file}.txt`] = `content ${directory} ${file}\n`;
}
const big = repository(files);
const repo = await openRepository(big.dir);
const source = { kind: 'index' };
const checkout = async () => {
  // Complete when it returns: files, the checkout's index, its HEAD (a commit of the index tree).
  return elapsed(() => materializeTree(repo, judgedTree(repo, source), { checkoutName: 'source', submodules: true }));
};
await checkout(); // the first, full checkout
let changes = 0;
const change = () => {
  writeFileSync(path.join(big.dir, 'pkg7', 'file7.txt'), `changed ${changes++}\n`);
  big.git('add', 'pkg7/file7.txt');
};
const diffCached = [
  'git diff --cached --name-only (20,000 files)',
  () => time('git', ['diff', '--cached', '--name-only'], { cwd: big.dir, expectStatus: 0 }),
];
const okB = await compare({
  title: 'Checking out a 20,000-file index after a one-file change, as pre-commit gets it, vs git diff --cached',
  before: () => {
    change();
    big.git('write-tree'); // as `git commit` does before its pre-commit hook (cache_tree_update)
  },
  baseline: diffCached,
  subject: ['nixtag checkout of the index', checkout],
  target: 2,
  rounds: 15,
});
const okC = await compare({
  title: 'The same after a bare git add (check --staged by hand) vs git diff --cached',
  before: change,
  baseline: diffCached,
  subject: ['nixtag checkout of the index', checkout],
  target: 2,
  rounds: 15,
});
process.exitCode = (process.exitCode ?? 0) || (okA && okB && okC ? 0 : 1);
