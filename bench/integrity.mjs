// What checking the persistent checkout costs before Nix reads it (src/tree/checkoutIntegrity.ts),
// in repositories of 20,000 and 100,000 tracked files: the check on a checkout whose index is in
// step (every run after the first), the check just after an incremental update (the index left
// stale: `git reset --mixed` first), and beside them a whole `hash --staged` that runs Nix for a
// changed file (which pays the check once). Also what the alternative would add to every full
// checkout: making each file and directory read-only (a walk and a chmod of each). The check is
// measured in a child process under /usr/bin/time: its wall time, and the CPU time (user + system)
// of it and its git processes less that of a child that only loads the module, which a loaded
// machine (other work on its cores) does not inflate as it does wall time.
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BIN, elapsed, generatedRepository, median } from './lib.mjs';

const dist = (module) => import(new URL(`../dist/${module}`, import.meta.url).href);
const { openRepository } = await dist('git/repository.js');
const { judgedTree } = await dist('tree/judgedTree.js');
const { materializeTree, settleCheckouts } = await dist('tree/checkout.js');
const { treeRecords } = await dist('tree/records.js');

const IMAGE = `{ }: derivation {
  name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  data = builtins.readFile ./data.txt;
}
`;

function* files(count) {
  yield ['default.nix', IMAGE];
  yield ['data.txt', 'data 0\n'];
  for (let index = 0; index < count - 2; index++)
    yield [`lib/g${index % 100}/m${Math.floor(index / 100) % 100}/f${index}.go`, `package g\n// ${index % 1000}\n`];
}

/** Every directory and file under `dir` made read-only, as the alternative would on each full checkout. */
function readOnly(dir, mode) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git' && dir.endsWith('source')) continue;
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) readOnly(file, mode);
    if (!entry.isSymbolicLink()) chmodSync(file, entry.isDirectory() ? mode | 0o111 : mode);
  }
}

const INTEGRITY = new URL('../dist/tree/checkoutIntegrity.js', import.meta.url).href;

/** Wall and CPU milliseconds of a child that loads the module and, with `dir`, checks that checkout. */
function child(dir) {
  const script = `const m = await import(${JSON.stringify(INTEGRITY)}); ${dir ? `await m.checkoutDrift(${JSON.stringify(dir)});` : ''}`;
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const [wall, user, system] = result.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall: wall * 1000, cpu: (user + system) * 1000 };
}

/** The check's own wall and CPU time: a child that checks, less one that only loads. */
function checkCost(dir) {
  const base = child(undefined);
  const check = child(dir);
  return { wall: check.wall - base.wall, cpu: check.cpu - base.cpu };
}

const ROUNDS = 5;
for (const count of [20_000, 100_000]) {
  const repo = generatedRepository(files(count));
  const run = (args) => elapsed(async () => spawnSync(process.execPath, [BIN, ...args], { cwd: repo.dir }));
  const first = await run(['hash', '--staged']);
  const repository = await openRepository(repo.dir);
  const checkout = () =>
    materializeTree(repository, judgedTree(repository, { kind: 'index' }), {
      checkoutName: 'source',
      submodules: true,
    });
  const dir = (await checkout()).dir;
  const clean = [];
  const afterUpdate = [];
  const whole = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // A commit's hook that runs Nix: data.txt changed, the checkout updated, checked, evaluated.
    repo.git('add', '--all');
    spawnSync('sh', ['-c', `echo data ${round} > data.txt && git add data.txt`], { cwd: repo.dir });
    whole.push(await run(['hash', '--staged']));
    clean.push(checkCost(dir));
    // An update that leaves the index stale (no evaluation read git): the check resets it first.
    spawnSync('sh', ['-c', `echo round ${round} >> lib/g1/m0/f1.go && git add lib/g1/m0/f1.go`], { cwd: repo.dir });
    await checkout();
    await settleCheckouts();
    afterUpdate.push(checkCost(dir));
  }
  const chmod = await elapsed(async () => readOnly(dir, 0o444));
  readOnly(dir, 0o644);
  const figures = {
    'first hash --staged (full checkout)': first,
    'hash --staged evaluating one image (median)': median(whole),
    'check, index in step: wall (median)': median(clean.map((cost) => cost.wall)),
    'check, index in step: CPU (median)': median(clean.map((cost) => cost.cpu)),
    'check after an update, index behind: wall': median(afterUpdate.map((cost) => cost.wall)),
    'check after an update, index behind: CPU': median(afterUpdate.map((cost) => cost.cpu)),
    'read-only alternative: chmod of every entry': chmod,
  };
  console.log(`\nChecking the checkout, ${count.toLocaleString('en')} files`);
  for (const [name, ms] of Object.entries(figures)) console.log(`  ${name.padEnd(46)} ${ms.toFixed(1).padStart(9)} ms`);
  treeRecords(repository.gitDir).remove();
}
