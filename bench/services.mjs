// The monorepo the monorepo and scale benchmarks build: one directory per service, each importing
// one shared expression (a stand-in for nixpkgs, about 1.5 s to evaluate), a manifest per service
// under k8s/, and a nix-instantiate on PATH that logs what it is asked.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { time } from './lib.mjs';

export const heavy = `# Evaluates in about 1.5 s, like a nixpkgs import; its value is shared by every importer.
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

export const service = (name) => `{ system ? builtins.currentSystem }:
let lib = import ../../nix/shared.nix { inherit system; };
in lib.image "${name}" (builtins.path { path = ./.; name = "source"; })
`;

export const deployment = (name) =>
  `kind: Pod\nspec:\n  containers:\n    - name: ${name}\n      image: registry.example/${name}:0000000000000000000000000000000a\n`;

/** The files of a monorepo of `names`, configured with one image per service. */
export function serviceFiles(names, { manifests } = {}) {
  const files = { 'nix/shared.nix': heavy, 'README.md': 'readme\n' };
  const glob = manifests === undefined ? '' : `    manifests: ${JSON.stringify(manifests)}\n`;
  files['.nixtagrc.yaml'] = `images:\n${names
    .map(
      (name) =>
        `  - name: ${name}\n    nix: services/${name}/default.nix\n    repository: registry.example/${name}\n${glob}`,
    )
    .join('')}`;
  for (const name of names) {
    files[`services/${name}/default.nix`] = service(name);
    files[`services/${name}/main.go`] = `package ${name}\n`;
    files[`k8s/${name}.yaml`] = deployment(name);
  }
  return files;
}

/**
 * A nix-instantiate that logs each call, first on PATH: how many Nix processes a run starts, and
 * how many images each evaluated (the batch's spec names them: nix/expression.ts).
 */
export function countingNix(dir) {
  const bin = path.join(dir, '.bench-bin');
  mkdirSync(bin, { recursive: true });
  const log = path.join(bin, 'calls.log');
  const real = ['/usr/bin/nix-instantiate', '/nix/var/nix/profiles/default/bin/nix-instantiate'].find(existsSync);
  writeFileSync(
    path.join(bin, 'nix-instantiate'),
    `#!/bin/sh
images=0
for arg in "$@"; do
  case "$arg" in '{"calls":'*) images=$(printf '%s' "$arg" | grep -o '"call":' | wc -l) ;; esac
done
echo "$images" >> "${log}"
exec ${real} "$@"
`,
  );
  chmodSync(path.join(bin, 'nix-instantiate'), 0o755);
  const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map(Number) : []);
  return {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    calls: () => lines().length,
    /** Processes and images evaluated since `since` calls. */
    since: (since) => {
      const after = lines().slice(since);
      return { processes: after.length, images: after.reduce((sum, count) => sum + count, 0) };
    },
  };
}

/** The floor a hook is measured against: starting Node and asking git one question. */
export const floor = (dir) => () =>
  time(process.execPath, ['-e', "require('child_process').execFileSync('git', ['diff', '--cached', '--name-only'])"], {
    cwd: dir,
    expectStatus: 0,
  });

/** Before each round: a README-only change, staged. */
export const readmeChange = (repo) => (round) => {
  writeFileSync(path.join(repo.dir, 'README.md'), `readme ${round}\n`);
  repo.git('add', 'README.md');
};
