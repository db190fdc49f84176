// Step 16 figures, in a monorepo grown to a platform's size: 200 services (`services/<s>/`, each
// importing one shared ~1.5 s expression), their manifests under k8s/ named by one glob that all
// 200 images share, in a repository of 100,000 tracked files (generated, never committed here).
// (a) A README-only commit's pre-commit hook against the floor (`node` running
//     `git diff --cached --name-only`): no Nix process (<= 2).
// (b) A commit changing one service's source: the hook against a cold one-image
//     `check --staged` in a one-service repository (<= 1.2), starting at most one Nix process,
//     which evaluates only the changed image; and the hook's peak RSS.
// (c) Cold `hash` of all 200 after an edit to the shared expression against the same in the
//     one-service repository (<= 1.5).
// (d), (e) The working tree against the index after the first run: `check` and `hash` without
//     `--staged` against the same with it, on the same content (<= 1.2).
import { spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, compare, elapsed, generatedRepository, repository, time } from './lib.mjs';
import { countingNix, floor, readmeChange, serviceFiles } from './services.mjs';

const SERVICES = 200;
const FILES = 100_000;
const GLOB = ['k8s/**'];

/** The services' files, then filler as a large repository holds it: code, docs, data, other YAML. */
function* platform(names) {
  const own = Object.entries(serviceFiles(names, { manifests: GLOB }));
  yield* own;
  // A thousand distinct contents: what git reads per path is the same, and fast-import stays fast.
  for (let index = 0; index < FILES - own.length; index++) {
    const directory = `lib/g${index % 100}/m${Math.floor(index / 100) % 100}`;
    const variant = index % 1000;
    if (index % 40 === 0) yield [`${directory}/config${index}.yaml`, `key: value ${variant}\nlist: [a, b]\n`];
    else if (index % 25 === 0) yield [`${directory}/notes${index}.md`, `# Notes ${variant}\n\nSome text.\n`];
    else yield [`${directory}/f${index}.go`, `package g${index % 100}\n\n// file ${variant}\nfunc F() {}\n`];
  }
}

const names = Array.from({ length: SERVICES }, (_, index) => `s${index + 1}`);
let generating = Date.now();
const big = generatedRepository(platform(names));
console.log(`\nGenerated ${FILES.toLocaleString('en')} files in ${((Date.now() - generating) / 1000).toFixed(1)} s`);
const one = repository(serviceFiles(['s1'], { manifests: GLOB }));

// Every run is judged under the counting shim: it is the Nix on PATH, part of the run environment.
const nix = countingNix(path.dirname(big.dir));
const run = (repo, args, expectStatus) => () =>
  time(process.execPath, [BIN, ...args], { cwd: repo.dir, env: nix.env, expectStatus });
const firstRun = await elapsed(() => run(big, ['fix'], 0)());
console.log(`First fix after cloning (full checkout, ${SERVICES} images evaluated): ${(firstRun / 1000).toFixed(1)} s`);
big.git('add', '--all');
big.git('commit', '--quiet', '-m', 'current tags');
const firstHook = await elapsed(() => run(big, ['hook', 'pre-commit'], 0)());
console.log(`First pre-commit hook (the index's full checkout): ${(firstHook / 1000).toFixed(1)} s`);
run(one, ['fix'], 0)();
one.git('add', '--all');
one.git('commit', '--quiet', '-m', 'current tags');

// (a) ---------------------------------------------------------------------------------------
let calls = nix.calls();
const okA = await compare({
  title: `A README-only commit's pre-commit hook vs the floor (${SERVICES} services, ${FILES.toLocaleString('en')} files)`,
  before: readmeChange(big),
  baseline: ['node -e: git diff --cached --name-only', floor(big.dir)],
  subject: ['nixtag hook pre-commit', run(big, ['hook', 'pre-commit'], 0)],
  target: 2,
  rounds: 9,
});
console.log(`  Nix processes started by the hooks: ${nix.since(calls).processes}`);

// (b) ---------------------------------------------------------------------------------------
let edits = 0;
const editService = () => {
  writeFileSync(path.join(big.dir, 'services/s1/main.go'), `package s1\n\n// edit ${edits++}\n`);
  big.git('add', 'services/s1/main.go');
};
const coldCheck = () => {
  spawnSync('rm', ['-rf', path.join(one.dir, '.git', 'nixtag')]);
  return run(one, ['check', '--staged'], 0)();
};
let worst = { processes: 0, images: 0 };
const hook = () => {
  const before = nix.calls();
  const ms = run(big, ['hook', 'pre-commit'], 1)();
  const started = nix.since(before);
  if (started.processes > worst.processes || started.images > worst.images) worst = started;
  return ms;
};
const okB = await compare({
  title:
    "A commit changing one service's source: the hook vs a cold one-image check --staged in a one-service repository",
  before: editService,
  baseline: ['check --staged, 1 service, cold', coldCheck],
  subject: [`hook pre-commit, ${SERVICES} services`, hook],
  target: 1.2,
  rounds: 7,
});
const okNix = worst.processes <= 1 && worst.images <= 1;
console.log(
  `  Nix processes started by the hook: at most ${worst.processes}, evaluating at most ${worst.images} image(s) ` +
    `(target <= 1 and 1: ${okNix ? 'meets' : 'MISSES'})`,
);
editService();
const measured = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, 'hook', 'pre-commit'], {
  cwd: big.dir,
  env: nix.env,
  encoding: 'utf8',
});
const rss = Number(measured.stderr.trim().split('\n').at(-1));
console.log(`  Peak RSS of the hook: ${Number.isFinite(rss) ? `${(rss / 1024).toFixed(0)} MB` : 'not measured'}`);

// (d), (e) ----------------------------------------------------------------------------------
// `--json` keeps `check` off the idle answer: both runs are full runs over the same content.
run(big, ['check', '--json'], 1)();
run(big, ['check', '--staged', '--json'], 1)();
const okD = await compare({
  title: 'check on the working tree vs check --staged, after the first run (100,000 files)',
  baseline: ['check --staged --json', run(big, ['check', '--staged', '--json'], 1)],
  subject: ['check --json (working tree)', run(big, ['check', '--json'], 1)],
  target: 1.2,
  rounds: 7,
});
const okE = await compare({
  title: 'hash on the working tree vs hash --staged, after the first run (100,000 files)',
  baseline: ['hash --staged', run(big, ['hash', '--staged'], 0)],
  subject: ['hash (working tree)', run(big, ['hash'], 0)],
  target: 1.2,
  rounds: 7,
});

// (c) ---------------------------------------------------------------------------------------
calls = nix.calls();
const okC = await compare({
  title: `Cold hash of all ${SERVICES} images after an edit to the shared expression vs the same with 1 service`,
  before: (round) => {
    for (const repo of [one, big]) appendFileSync(path.join(repo.dir, 'nix/shared.nix'), `# round ${round}\n`);
  },
  baseline: ['hash, 1 service', run(one, ['hash'], 0)],
  subject: [`hash, ${SERVICES} services`, run(big, ['hash'], 0)],
  target: 1.5,
  rounds: 3,
});
generating = nix.since(calls);
console.log(`  Nix processes: ${generating.processes} for ${generating.images} image evaluations (both repositories)`);

process.exitCode = (process.exitCode ?? 0) || (okA && okB && okNix && okC && okD && okE ? 0 : 1);
