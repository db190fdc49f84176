// Step 12 figures, for flake images. (a) A cold `nixtag check` on one flake image against CI's
// own command in the same repository, `nix eval --raw .#img0.outPath` (no eval cache: CI's fresh
// machine has none), over a flake whose import takes about 1.5 s (the stand-in for nixpkgs of
// evaluation.mjs): target <= 1.05. (b) Ten flake images sharing that import against one: one Nix
// process, the import paid once (target <= 1.3). (c) A README-only commit's pre-commit hook in a
// flake repository against the floor (node running `git diff --cached --name-only`): target
// <= 1.5, and no Nix process at all (counted by a logging shim first on PATH).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BIN, compare, repository, time } from './lib.mjs';

const heavy = `# Evaluates in about 1.5 s, like a nixpkgs import.
let
  n = 550000;
  set = builtins.listToAttrs (builtins.genList (i: { name = "p\${toString i}"; value = { inherit i; }; }) n);
  total = builtins.foldl' (acc: name: acc + set.\${name}.i) 0 (builtins.attrNames set);
in { seed = toString total; }
`;
const names = Array.from({ length: 10 }, (_, index) => `img${index}`);
const image = (name) => `derivation {
      name = "docker-image-${name}-\${heavy.seed}.tar.gz";
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo > $out" ];
    }`;
const flake = `{
  outputs = { self }:
    let heavy = import ./heavy.nix; in {
      packages.x86_64-linux = {
${names.map((name) => `        ${name} = ${image(name)};`).join('\n')}
      };
    };
}
`;
const manifest = (count) =>
  names
    .slice(0, count)
    .map(
      (name) =>
        `---\nkind: Pod\nspec:\n  containers:\n    - name: ${name}\n      image: registry.example/${name}:0000000000000000000000000000000a\n`,
    )
    .join('');
const config = (count) =>
  `images:\n${names
    .slice(0, count)
    .map((name) => `  - name: ${name}\n    flake: .#${name}\n    repository: registry.example/${name}\n`)
    .join('')}`;

const files = (count) => ({
  'flake.nix': flake,
  'heavy.nix': heavy,
  'README.md': 'readme\n',
  'k8s.yaml': manifest(count),
  '.nixtagrc.yaml': config(count),
});
const one = repository(files(1));
const ten = repository(files(10));

/** nixtag leaves Nix to free its heap after the traced answer: the next run waits for that. */
async function atRest() {
  const busy = () =>
    ['nix', 'nix-instantiate'].some((name) => {
      try {
        execFileSync('pgrep', ['-x', name], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
  while (busy()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const coldCheck = (repo) => async () => {
  await atRest();
  rmSync(path.join(repo.dir, '.git', 'nixtag'), { recursive: true, force: true });
  return time(process.execPath, [BIN, 'check'], { cwd: repo.dir, expectStatus: 1 });
};
const nixEval = async () => {
  await atRest();
  return time(
    'nix',
    [
      '--extra-experimental-features',
      'nix-command flakes',
      'eval',
      '--raw',
      '--option',
      'eval-cache',
      'false',
      '.#img0.outPath',
    ],
    { cwd: one.dir, expectStatus: 0 },
  );
};

await nixEval(); // the flake's source in the store, the files in the page cache
const okA = await compare({
  title: 'Cold flake check vs the pipeline command, nix eval --raw .#img0.outPath (~1.5 s evaluation)',
  baseline: ['nix eval --raw .#img0.outPath', nixEval],
  subject: ['nixtag check, cold, 1 flake image', coldCheck(one)],
  target: 1.05,
  rounds: 5,
});
const okB = await compare({
  title: 'Ten flake images sharing one import vs one image',
  baseline: ['nixtag check, cold, 1 flake image', coldCheck(one)],
  subject: ['nixtag check, cold, 10 flake images', coldCheck(ten)],
  target: 1.3,
  rounds: 5,
});

// (c) ---------------------------------------------------------------------------------------
const shims = mkdtempSync(path.join(tmpdir(), 'nixtag-bench-shims-'));
const calls = path.join(shims, 'calls.log');
for (const program of ['nix', 'nix-instantiate']) {
  const real = execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim();
  writeFileSync(path.join(shims, program), `#!/bin/sh\necho ${program} >> "${calls}"\nexec ${real} "$@"\n`);
  chmodSync(path.join(shims, program), 0o755);
}
process.on('exit', () => rmSync(shims, { recursive: true, force: true }));
const counted = { ...process.env, PATH: `${shims}:${process.env.PATH}` };
const nixCalls = () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean).length : 0);
execFileSync(process.execPath, [BIN, 'fix'], { cwd: one.dir, env: counted });
one.git('add', '--all');
one.git('commit', '--quiet', '-m', 'fresh');
const hook = () =>
  time(process.execPath, [BIN, 'hook', 'pre-commit', '--check'], { cwd: one.dir, env: counted, expectStatus: 0 });
hook(); // judges the fresh tree
let edits = 0;
const readme = () => {
  writeFileSync(path.join(one.dir, 'README.md'), `readme ${edits++}\n`);
  one.git('add', 'README.md');
};
readme();
const before = nixCalls();
const okC = await compare({
  title: 'Pre-commit of a README-only change in a flake repository vs node running git diff --cached',
  before: readme,
  baseline: [
    'node -e: git diff --cached --name-only',
    () =>
      time(
        process.execPath,
        ['-e', "require('child_process').execFileSync('git', ['diff', '--cached', '--name-only'])"],
        {
          cwd: one.dir,
          expectStatus: 0,
        },
      ),
  ],
  subject: ['nixtag hook pre-commit, README staged', hook],
  target: 1.5,
  rounds: 15,
});
const started = nixCalls() - before;
console.log(`  Nix processes started by those hooks: ${started} (target 0: ${started === 0 ? 'meets' : 'MISSES'})`);
process.exitCode = (process.exitCode ?? 0) || (okA && okB && okC && started === 0 ? 0 : 1);
