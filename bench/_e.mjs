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
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, compare, repository, time } from './lib.mjs';

const heavy = `# Evaluates in about 1.5 s, like a nixpkgs import; its value is shared by every importer.
let
  n = 550000;
  set = builtins.listToAttrs (builtins.genList (i: { name = "p\${toString i}"; value = { inherit i; }; }) n);
  total = builtins.foldl' (acc: name: acc + set.\${name}.i) 0 (builtins.attrNames set);
in { system }: {
  image = name: src: derivation {
    name = "docker-image-\${name}-\${toString total}.tar.gz";
    inherit system src;
    builder = "/bin/sh";
    args = [ "-c" "echo > $out" ];
  };
}
`;
const service = (name) => `{ system ? builtins.currentSystem }:
let lib = import ../../nix/shared.nix { inherit system; };
in lib.image "${name}" (builtins.path { path = ./.; name = "source"; })
`;
const deployment = (name) =>
  `kind: Pod\nspec:\n  containers:\n    - name: ${name}\n      image: registry.example/${name}:0000000000000000000000000000000a\n`;

function monorepo(count) {
  const names = Array.from({ length: count }, (_, index) => `s${index + 1}`);
  const files = { 'nix/shared.nix': heavy, 'README.md': 'readme\n' };
  files['.nixtagrc.yaml'] = `images:\n${names
    .map(
      (name) => `  - name: ${name}\n    nix: services/${name}/default.nix\n    repository: registry.example/${name}\n`,
    )
    .join('')}`;
  for (const name of names) {
    files[`services/${name}/default.nix`] = service(name);
    files[`services/${name}/main.go`] = `package ${name}\n`;
    files[`k8s/${name}.yaml`] = deployment(name);
  }
  return { ...repository(files), names };
}

/** A nix-instantiate that logs each call, first on PATH: the idle figures must start none. */
function countingNix(dir) {
  const bin = path.join(dir, '.bench-bin');
  mkdirSync(bin, { recursive: true });
  const log = path.join(bin, 'calls.log');
  const real = ['/usr/bin/nix-instantiate', '/nix/var/nix/profiles/default/bin/nix-instantiate'].find(existsSync);
  writeFileSync(path.join(bin, 'nix-instantiate'), `#!/bin/sh\necho call >> "${log}"\nexec ${real} "$@"\n`);
  chmodSync(path.join(bin, 'nix-instantiate'), 0o755);
  return {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}

const floor = (dir) => () =>
  time(process.execPath, ['-e', "require('child_process').execFileSync('git', ['diff', '--cached', '--name-only'])"], {
    cwd: dir,
    expectStatus: 0,
  });

const readmeChange = (repo) => (round) => {
  writeFileSync(path.join(repo.dir, 'README.md'), `readme ${round}\n`);
  repo.git('add', 'README.md');
};

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
const okD = process.env.SKIP_D ? true : await compare({
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

