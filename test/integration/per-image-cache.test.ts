import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, fix, hash } from '../../src/index.js';
import { deployment, STALE } from '../helpers/expressions.js';
import { ciCheckout, gitRepo, n2k8sTag, type Files } from '../helpers/repo.js';

/**
 * One service's change costs one service's evaluation: in a monorepo whose services share one
 * expression, the images whose inputs did not change are answered from the cache, and Nix
 * evaluates only the others, with the tags CI computes.
 */

const SERVICES = ['a', 'b', 'c'];
const shared = `{ system }: {
  image = name: src: derivation {
    name = "docker-image-\${name}.tar.gz";
    inherit system src;
    builder = "/bin/sh";
    args = [ "-c" "echo > $out" ];
  };
}
`;
const service = (name: string) => `{ system ? builtins.currentSystem }:
let lib = import ../../nix/shared.nix { inherit system; };
in lib.image "${name}" (builtins.path { path = ./.; name = "source"; })
`;

function monorepo() {
  const files: Files = {
    'nix/shared.nix': shared,
    '.nixtagrc.yaml': `images:\n${SERVICES.map(
      (name) =>
        `  - name: ${name}\n    nix: services/${name}/default.nix\n    repository: registry.example/${name}\n    manifests: ["k8s/**"]\n`,
    ).join('')}`,
  };
  for (const name of SERVICES) {
    files[`services/${name}/default.nix`] = service(name);
    files[`services/${name}/main.go`] = `package ${name}\n`;
    files[`k8s/${name}.yaml`] = deployment(`registry.example/${name}:${STALE}`);
  }
  return gitRepo(files);
}

/** The images each Nix evaluation of a run was asked for. */
function recorder() {
  const evaluated: string[][] = [];
  return {
    evaluated,
    onEvaluate: (images: readonly string[]) => {
      evaluated.push([...images]);
      return () => undefined;
    },
  };
}

/** Each image's tag as n2k8s computes it in CI's checkout of HEAD. */
function ciTags(repo: ReturnType<typeof monorepo>): Record<string, string> {
  const checkout = ciCheckout(repo);
  return Object.fromEntries(SERVICES.map((name) => [name, n2k8sTag(path.join(checkout, 'services', name))]));
}

const tagsOf = (result: Awaited<ReturnType<typeof hash>>) =>
  Object.fromEntries(result.images.map((image) => [image.name, image.hash]));

describe('a change to one service', () => {
  it('evaluates that service alone; the others come from the cache with the tags CI computes', async () => {
    const repo = monorepo();
    const first = recorder();
    expect((await fix({ cwd: repo.dir, onEvaluate: first.onEvaluate })).ok).toBe(true);
    expect(first.evaluated).toEqual([SERVICES]);
    repo.commit('current tags');

    appendFileSync(path.join(repo.dir, 'services/b/main.go'), '// changed\n');
    repo.git('add', 'services/b/main.go');
    const staged = recorder();
    const result = await check({ cwd: repo.dir, source: { kind: 'index' }, onEvaluate: staged.onEvaluate });
    expect(staged.evaluated).toEqual([['b']]);
    expect(result.references.map((reference) => [reference.image, reference.status])).toEqual([
      ['a', 'ok'],
      ['b', 'stale'],
      ['c', 'ok'],
    ]);
    repo.commit('b changed');
    const fresh = await hash({ cwd: repo.dir, cache: false });
    expect(tagsOf(fresh)).toEqual(ciTags(repo));
    const expected = result.references.find((reference) => reference.image === 'b')!.expected;
    expect(expected).toBe(`registry.example/b:${ciTags(repo).b}`);
  });

  it('in the working tree too, and a change to what they share evaluates them all in one process', async () => {
    const repo = monorepo();
    await fix({ cwd: repo.dir });
    repo.commit('current tags');

    appendFileSync(path.join(repo.dir, 'services/c/main.go'), '// unstaged\n');
    const worktree = recorder();
    const cTag = (await hash({ cwd: repo.dir, onEvaluate: worktree.onEvaluate })).images.find(
      (image) => image.name === 'c',
    )!.hash;
    expect(worktree.evaluated).toEqual([['c']]);

    appendFileSync(path.join(repo.dir, 'nix/shared.nix'), '# every image reads this\n');
    const all = recorder();
    const tags = tagsOf(await hash({ cwd: repo.dir, onEvaluate: all.onEvaluate }));
    expect(all.evaluated).toEqual([SERVICES]);
    expect(tags.c).toBe(cTag); // a comment changes no output path
    repo.commit('shared changed');
    expect(tags).toEqual(ciTags(repo));
  });
});
