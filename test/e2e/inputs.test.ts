/**
 * Evaluating once, and only when an input changed, through the hooks and the built CLI; the
 * tables of layouts run in-process in test/integration/inputs.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { nixtagCli } from '../helpers/cli.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { hookRepo, installHooks, type HookRepo } from '../helpers/hooks.js';
import { countingNix } from '../helpers/nix.js';
import { gitRepo } from '../helpers/repo.js';

const SERVICES = Array.from({ length: 10 }, (_, index) => `s${index + 1}`);

/** A stand-in for nixpkgs that every service imports: one shared expression. */
const shared = `{ system }: {
  image = name: src: derivation {
    inherit name system src;
    builder = "/bin/sh";
    args = [ "-c" "echo > $out" ];
  };
}
`;

/** One service: its whole directory is its source (as `./.`), filtered of nothing. */
const service = (name: string) => `{ system ? builtins.currentSystem }:
let lib = import ../../nix/shared.nix { inherit system; };
in lib.image "docker-image-${name}.tar.gz" (builtins.path { path = ./.; name = "source"; })
`;

const config = `images:
${SERVICES.map((name) => `  - name: ${name}\n    nix: services/${name}/default.nix\n    repository: registry.example/${name}\n`).join('')}`;

/** Ten services in ten directories, one manifest each, all tags current, fix-mode hooks installed. */
function monorepo(): HookRepo {
  const files: Record<string, string> = { 'nix/shared.nix': shared, '.nixtagrc.yaml': config, 'README.md': 'hi\n' };
  for (const name of SERVICES) {
    files[`services/${name}/default.nix`] = service(name);
    files[`services/${name}/main.go`] = `package ${name}\n`;
    files[`k8s/${name}.yaml`] = deployment(`registry.example/${name}:${STALE}`);
  }
  const repo = hookRepo(files);
  expect(nixtagCli(repo.dir, ['fix']).code).toBe(0);
  repo.git('add', '--all');
  repo.git('commit', '--quiet', '-m', 'current tags');
  expect(installHooks(repo, ['--git', '--pre-commit', 'fix']).code).toBe(0);
  return repo;
}

describe('evaluating once, and only when an input changed', () => {
  it('in a monorepo: one Nix process for ten services, none for a README, one for any input', () => {
    const repo = monorepo();
    const nix = countingNix();
    const commit = (files: Record<string, string>, message: string) => {
      const before = nix.calls();
      repo.write(files);
      repo.git('add', '--all');
      const result = repo.run(['commit', '-m', message], { env: nix.env });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      return nix.calls() - before;
    };

    // Cold (no cache): all ten images in one process.
    expect(nixtagCli(repo.dir, ['check', '--no-cache'], nix.env).code).toBe(0);
    expect(nix.calls()).toBe(1);

    expect(commit({ 'README.md': 'hello\n' }, 'docs')).toBe(0);
    expect(commit({ 'services/s3/main.go': 'package s3 // v2\n' }, 's3 v2')).toBe(1);
    expect(repo.git('diff', 'HEAD~1', '--stat')).toContain('k8s/s3.yaml'); // fixed in the commit
    expect(commit({ 'nix/shared.nix': `${shared}# changed\n` }, 'shared')).toBe(1);
    expect(commit({ 'services/s5/data/config.txt': 'new file under ./.\n' }, 's5 data')).toBe(1);
    expect(commit({ 'k8s/s1.yaml': `${repo.read('k8s/s1.yaml')}# reviewed\n` }, 'manifest')).toBe(0);
    expect(commit({ 'docs/guide.md': 'more docs\n' }, 'more docs')).toBe(0);
    expect(repo.run(['push', '--quiet', 'origin', 'main'], { env: nix.env }).code).toBe(0);
    expect(nix.calls()).toBe(4);

    // Every commit carries CI's tags.
    for (const name of ['s3', 's5']) {
      const tag = JSON.parse(nixtagCli(repo.dir, ['hash', '--json', '--image', name, '--no-cache']).stdout) as {
        images: Array<{ hash: string }>;
      };
      expect(repo.read(`k8s/${name}.yaml`)).toContain(`registry.example/${name}:${tag.images[0]!.hash}`);
    }
  });

  it('answers check --staged with paths (as lint-staged calls it) from the recorded inputs', () => {
    const repo = monorepo();
    const nix = countingNix();
    repo.write({ 'README.md': 'changed\n' });
    repo.git('add', 'README.md');
    const readme = nixtagCli(repo.dir, ['check', '--staged', `${repo.dir}/README.md`], nix.env);
    expect(readme.code).toBe(0);
    expect(nix.calls()).toBe(0);
    repo.write({ 'services/s2/main.go': 'package s2 // v2\n' });
    repo.git('add', 'services/s2/main.go');
    const source = nixtagCli(repo.dir, ['check', '--staged', `${repo.dir}/services/s2/main.go`], nix.env);
    expect(source.code).toBe(1);
    expect(source.stdout).toContain('k8s/s2.yaml');
    expect(nix.calls()).toBe(1);
    // A chunk whose paths cannot matter still passes: another chunk holds the source change.
    expect(nixtagCli(repo.dir, ['check', '--staged', `${repo.dir}/README.md`], nix.env).code).toBe(0);
  });

  it.each([['/. + …', 'builtins.readFile (/. + (toString ./version.txt))']])(
    'keys an evaluation that uses %s by the whole tree, with a correct verdict',
    (_, read) => {
      const repo = gitRepo({
        'default.nix': `{ system ? builtins.currentSystem }:
derivation { name = "app"; inherit system; builder = "/bin/sh"; args = [ "-c" "echo > $out" ];
  version = ${read}; }
`,
        'version.txt': '1\n',
        'README.md': 'hi\n',
        '.nixtagrc.yaml': 'images:\n  - name: app\n    repository: registry.example/app\n',
        'k8s/app.yaml': deployment(`registry.example/app:${STALE}`),
      });
      const nix = countingNix();
      expect(nixtagCli(repo.dir, ['fix'], nix.env).code).toBe(0);
      // What a miss costs: one evaluation, and the location probe's second where the expression can
      // see where the checkout lies (toString of a path, __curPos): the tag stays judged, as it does not move.
      const beforeMiss = nix.calls();
      expect(nixtagCli(repo.dir, ['check', '--no-cache'], nix.env).code).toBe(0);
      const perMiss = nix.calls() - beforeMiss;
      expect([1, 2]).toContain(perMiss);
      const afterMiss = nix.calls();
      repo.write({ 'README.md': 'changed\n' });
      expect(nixtagCli(repo.dir, ['check'], nix.env).code).toBe(0);
      expect(nix.calls()).toBe(afterMiss + perMiss); // the whole tree is the key: a README counts
      const verbose = nixtagCli(repo.dir, ['check', '--verbose'], nix.env);
      expect(verbose.stdout).toContain('every tracked file counts as an input');
      repo.write({ 'version.txt': '2\n' });
      expect(nixtagCli(repo.dir, ['check'], nix.env).code).toBe(1);
    },
  );
});
