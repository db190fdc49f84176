// Step 3 figures. (a) A warm pre-commit (nothing relevant changed since the tree was judged)
// against `node -e` running `git diff --cached --name-only` in the same repository: target <= 1.5.
// (b) Checking out the index of a 20,000-file repository after a one-file change against
// `git diff --cached` there: target <= 2.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { changesSinceFor, resolveTree } from '../dist/git/source.js';
import { materializeTree, settleCheckouts } from '../dist/git/tree.js';
import { openRepository } from '../dist/git/repository.js';
import { BIN, median, report, repository } from './lib.mjs';

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
const run = (args) => {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: small.dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
};
const hook = () => run([BIN, 'hook', 'pre-commit', '--check']);
const baseline = () => run(['-e', "require('child_process').execFileSync('git', ['diff', '--cached', '--name-only'])"]);
hook(); // the first run judges the tree; the rest are warm
const samplesA = { baseline: [], hook: [] };
for (let round = 0; round < 15; round++) {
  samplesA.baseline.push(baseline());
  samplesA.hook.push(hook());
}
const a = {
  'node -e: git diff --cached --name-only': median(samplesA.baseline),
  'nixtag hook pre-commit, warm': median(samplesA.hook),
};
const okA = report(
  'Warm pre-commit vs node running git diff --cached',
  a,
  a['nixtag hook pre-commit, warm'] / a['node -e: git diff --cached --name-only'],
  1.5,
);

// (b) ---------------------------------------------------------------------------------------
const files = {};
for (let directory = 0; directory < 200; directory++) {
  for (let file = 0; file < 100; file++) files[`pkg${directory}/file${file}.txt`] = `content ${directory} ${file}\n`;
}
const big = repository(files);
const repo = await openRepository(big.dir);
const source = { kind: 'index' };
const checkout = async () => {
  const start = process.hrtime.bigint();
  await materializeTree(repo, () => resolveTree(repo, source), 'index', 'source', changesSinceFor(repo, source));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  await settleCheckouts(); // the tree id is recorded behind the checkout, as in a hook
  return elapsed;
};
const diffCached = () => {
  const start = process.hrtime.bigint();
  execFileSync('git', ['diff', '--cached', '--name-only'], { cwd: big.dir });
  return Number(process.hrtime.bigint() - start) / 1e6;
};
await checkout(); // the first, full checkout
const samplesB = { diff: [], checkout: [] };
for (let round = 0; round < 15; round++) {
  writeFileSync(path.join(big.dir, 'pkg7', 'file7.txt'), `changed ${round}\n`);
  big.git('add', 'pkg7/file7.txt');
  samplesB.diff.push(diffCached());
  samplesB.checkout.push(await checkout());
}
const b = {
  'git diff --cached --name-only (20,000 files)': median(samplesB.diff),
  'nixtag checkout of the index': median(samplesB.checkout),
};
const okB = report(
  'Checking out a 20,000-file index after a one-file change vs git diff --cached',
  b,
  b['nixtag checkout of the index'] / b['git diff --cached --name-only (20,000 files)'],
  2,
);
process.exitCode = (process.exitCode ?? 0) || (okA && okB ? 0 : 1);
