// Step 7 figures, in a monorepo laid out as real ones are: one directory per service, each
// importing one shared expression (a stand-in for nixpkgs, about 1.5 s to evaluate).
// (a) Ten services in ten directories against one service, cold: the shared import is paid once
//     (target <= 1.3).
// (b) A README-only commit's pre-commit hook against the floor, `node` running
//     `git diff --cached --name-only`: no Nix process, little more than git's own work (<= 1.5).
// (c) `check --staged PATH...` as lint-staged calls it, on a tree already judged, against the
//     floor (<= 1.5).
// (d) A README-only commit in a repository of 5,000 tracked YAML files and no configuration
//     against the floor (<= 2).
// (e) In that repository, a commit editing the managed manifest: the default set against a
//     narrow `manifests` glob, after a first run (<= 1.2: the same cost).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, compare, repository, time } from './lib.mjs';
import { countingNix, deployment, floor, readmeChange, serviceFiles } from './services.mjs';

function monorepo(count) {
  const names = Array.from({ length: count }, (_, index) => `s${index + 1}`);
  return { ...repository(serviceFiles(names)), names };
}

// (a) ---------------------------------------------------------------------------------------
const one = monorepo(1);
const ten = monorepo(10);
const cold = (repo) => () => {
  rmSync(path.join(repo.dir, '.git', 'nixtag'), { recursive: true, force: true });
  return time(process.execPath, [BIN, 'check'], { cwd: repo.dir, expectStatus: 1 });
};
const okA = await compare({
  title: 'Ten services in ten directories vs one service, cold (shared ~1.5 s import)',
  baseline: ['nixtag check, 1 service', cold(one)],
  subject: ['nixtag check, 10 services', cold(ten)],
  target: 1.3,
  rounds: 3,
});

// (b) ---------------------------------------------------------------------------------------
// The shim is part of the run environment (it is the Nix on PATH): the tree is judged under it.
const nix = countingNix(path.dirname(ten.dir));
time(process.execPath, [BIN, 'fix'], { cwd: ten.dir, env: nix.env, expectStatus: 0 });
ten.git('add', '--all');
ten.git('commit', '--quiet', '-m', 'current tags');
time(process.execPath, [BIN, 'hook', 'pre-commit'], { cwd: ten.dir, env: nix.env, expectStatus: 0 });
const judged = nix.calls();
const okB = await compare({
  title: "A README-only commit's pre-commit hook vs the floor (10 services)",
  before: readmeChange(ten),
  baseline: ['node -e: git diff --cached --name-only', floor(ten.dir)],
  subject: [
    'nixtag hook pre-commit',
    () => time(process.execPath, [BIN, 'hook', 'pre-commit'], { cwd: ten.dir, env: nix.env, expectStatus: 0 }),
  ],
  target: 1.5,
  rounds: 9,
});
console.log(`  Nix processes started by the hook: ${nix.calls() - judged}`);

// (c) ---------------------------------------------------------------------------------------
const paths = ten.names.map((name) => path.join(ten.dir, 'services', name, 'main.go'));
const okC = await compare({
  title: 'check --staged PATH... (as lint-staged calls it) on a judged tree vs the floor',
  baseline: ['node -e: git diff --cached --name-only', floor(ten.dir)],
  subject: [
    'nixtag check --staged <10 paths>',
    () => time(process.execPath, [BIN, 'check', '--staged', ...paths], { cwd: ten.dir, env: nix.env, expectStatus: 0 }),
  ],
  target: 1.5,
  rounds: 9,
});
console.log(`  Nix processes started: ${nix.calls() - judged}`);

// (d) ---------------------------------------------------------------------------------------
const yaml = { 'default.nix': 'derivation { name = "app"; system = builtins.currentSystem; builder = "/bin/sh"; }\n' };
yaml['README.md'] = 'readme\n';
for (let index = 0; index < 5000; index++) {
  yaml[`clusters/c${index % 60}/app${index}/deployment.yaml`] = deployment(`app${index}`).replace(
    /registry\.example\/app\d+:\w+/,
    `registry.example/other${index}:1.${index}`,
  );
}
yaml['k8s/app.yaml'] = deployment('app');
const gitops = repository(yaml);
time(process.execPath, [BIN, 'fix'], { cwd: gitops.dir, expectStatus: 0 });
gitops.git('add', '--all');
gitops.git('commit', '--quiet', '-m', 'current tag');
time(process.execPath, [BIN, 'hook', 'pre-commit'], { cwd: gitops.dir, expectStatus: 0 });
const okD = await compare({
  title: 'A README-only commit, 5,000 tracked YAML files, no configuration, vs the floor',
  before: readmeChange(gitops),
  baseline: ['node -e: git diff --cached --name-only', floor(gitops.dir)],
  subject: [
    'nixtag hook pre-commit',
    () => time(process.execPath, [BIN, 'hook', 'pre-commit'], { cwd: gitops.dir, expectStatus: 0 }),
  ],
  target: 2,
  rounds: 9,
});

// (e) ---------------------------------------------------------------------------------------
// The same repository, a commit that edits the managed manifest (a comment line): the run is not
// idle, the manifests are compared. With the default set and no configuration every YAML file is
// in scope, but only the edited one is read again (scans are remembered by blob id); the twin
// names its one manifest with a narrow `manifests` glob.
const narrowed = repository({
  ...yaml,
  '.nixtagrc.yaml': 'images:\n  - name: app\n    repository: registry.example/app\n    manifests: ["k8s/**"]\n',
});
time(process.execPath, [BIN, 'fix'], { cwd: narrowed.dir, expectStatus: 0 });
narrowed.git('add', '--all');
narrowed.git('commit', '--quiet', '-m', 'current tag');
const managedEdit = (repo) => {
  const file = path.join(repo.dir, 'k8s', 'app.yaml');
  const current = readFileSync(file, 'utf8').replace(/^# round .*\n/, '');
  return (round) => {
    writeFileSync(file, `# round ${round}\n${current}`);
    repo.git('add', 'k8s/app.yaml');
  };
};
const editDefault = managedEdit(gitops);
const editNarrow = managedEdit(narrowed);
const okE = await compare({
  title: 'A commit editing one manifest, 5,000 YAML files: the default set vs a narrow manifests glob',
  before: (round) => {
    editDefault(round);
    editNarrow(round);
  },
  baseline: [
    'hook pre-commit, manifests: ["k8s/**"]',
    () => time(process.execPath, [BIN, 'hook', 'pre-commit'], { cwd: narrowed.dir, expectStatus: 0 }),
  ],
  subject: [
    'hook pre-commit, the default set (no configuration)',
    () => time(process.execPath, [BIN, 'hook', 'pre-commit'], { cwd: gitops.dir, expectStatus: 0 }),
  ],
  target: 1.2,
  rounds: 9,
});

process.exitCode = (process.exitCode ?? 0) || (okA && okB && okC && okD && okE ? 0 : 1);
