// Step 1 figures. (a) A cold `nixtag check` on one image against n2k8s's own tag command on the
// same tree, over an expression that takes about 1.5 s to evaluate (a stand-in for nixpkgs):
// nixtag's overhead must vanish next to evaluation (target <= 1.05). (b) Ten images sharing that
// import against one image: the import must be paid once (target <= 1.3). nixtag answers once Nix
// traces its result, before Nix frees its heap; n2k8s's pipeline waits for Nix to exit. compare()
// lets a finishing Nix end before the next timed run.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { BIN, compare, repository, time } from './lib.mjs';

const heavy = `# Evaluates in about 1.5 s, like a nixpkgs import.
let
  n = 550000;
  set = builtins.listToAttrs (builtins.genList (i: { name = "p\${toString i}"; value = { inherit i; }; }) n);
  total = builtins.foldl' (acc: name: acc + set.\${name}.i) 0 (builtins.attrNames set);
in { seed = toString total; }
`;
const image = (name) => `derivation {
    name = "docker-image-${name}-\${heavy.seed}.tar.gz";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo > $out" ];
  }`;
const names = Array.from({ length: 10 }, (_, index) => `img${index}`);
const images = `let heavy = import ./heavy.nix; in {\n${names.map((name) => `  ${name} = ${image(name)};`).join('\n')}\n}\n`;
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
    .map(
      (name) => `  - name: ${name}\n    nix: images.nix\n    attr: ${name}\n    repository: registry.example/${name}\n`,
    )
    .join('')}`;

const one = repository({
  'heavy.nix': heavy,
  'images.nix': images,
  'default.nix': `(import ./images.nix).img0\n`,
  'k8s.yaml': manifest(1),
  '.nixtagrc.yaml': config(1),
});
const ten = repository({
  'heavy.nix': heavy,
  'images.nix': images,
  'k8s.yaml': manifest(10),
  '.nixtagrc.yaml': config(10),
});

// Cold: no state from an earlier run (materialised tree, caches) survives between rounds.
const coldCheck = (repo) => () => {
  rmSync(path.join(repo.dir, '.git', 'nixtag'), { recursive: true, force: true });
  return time(process.execPath, [BIN, 'check'], { cwd: repo.dir, expectStatus: 1 });
};
const n2k8s = () =>
  time('sh', ['-c', 'nix-instantiate 2>/dev/null | xargs nix-store -q | cut -d/ -f4 | cut -d- -f1'], {
    cwd: one.dir,
    expectStatus: 0,
  });

time('sh', ['-c', 'nix-instantiate >/dev/null 2>&1'], { cwd: one.dir }); // warm the file cache
const okA = await compare({
  title: 'Cold check vs the pipeline tag command (1 image, ~1.5 s evaluation)',
  baseline: ['n2k8s: nix-instantiate | xargs nix-store -q', n2k8s],
  subject: ['nixtag check, cold, 1 image', coldCheck(one)],
  target: 1.05,
  rounds: 5,
});
const okB = await compare({
  title: 'Ten images sharing one import vs one image',
  baseline: ['nixtag check, cold, 1 image', coldCheck(one)],
  subject: ['nixtag check, cold, 10 images', coldCheck(ten)],
  target: 1.3,
  rounds: 5,
});
process.exitCode = (process.exitCode ?? 0) || (okA && okB ? 0 : 1);
